/**
 * The Connect dialog, as Studio has it: authentication, protocol (Spark Connect or
 * Livy) and the role to assume for another account's cluster, pre-filled from the
 * role file. It answers the `%sm_analytics emr connect` line to run.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { api, ClusterRow } from './api';
import { h } from './dom';

/** The line the dialog builds; the same grammar as clusterport.studio.command. */
export function connectLine(
  clusterId: string,
  auth: string,
  livy: boolean,
  roleArn: string
): string {
  let line =
    '%sm_analytics emr connect --verify-certificate False ' +
    `--cluster-id ${clusterId} --auth-type ${auth} --language python`;
  if (roleArn.trim()) {
    line += ` --assumable-role-arn ${roleArn.trim()}`;
  }
  if (livy) {
    line += ' --livy';
  }
  return line;
}

class ConnectBody extends Widget implements Dialog.IBodyWidget<string> {
  readonly auth = h('select', { id: 'cp-connect-auth', name: 'cp-connect-auth', class: 'cp-input' });
  readonly protocol = h(
    'select',
    { id: 'cp-connect-protocol', name: 'cp-connect-protocol', class: 'cp-input' },
    h('option', { value: 'connect' }, 'Spark Connect (binds spark)'),
    h('option', { value: 'livy' }, 'Livy (sparkmagic %%spark cells)')
  );
  readonly role = h('input', {
    id: 'cp-connect-role',
    name: 'cp-connect-role',
    class: 'cp-input',
    type: 'text',
    autocomplete: 'off',
    'aria-describedby': 'cp-connect-role-help'
  });

  constructor(
    private readonly row: ClusterRow,
    authTypes: string[]
  ) {
    super();
    this.addClass('cp-connect-dialog');
    for (const auth of authTypes) {
      this.auth.append(h('option', { value: auth }, auth === 'None' ? 'None (IAM)' : auth));
    }
    this.role.value = row.roleArn ?? '';
    this.node.append(
      h('p', {}, `${row.name} (${row.id}) in account ${row.accountId}`),
      h('div', { class: 'cp-field' }, h('label', { for: 'cp-connect-auth' }, 'Authentication'), this.auth),
      h('div', { class: 'cp-field' }, h('label', { for: 'cp-connect-protocol' }, 'Protocol'), this.protocol),
      h(
        'div',
        { class: 'cp-field' },
        h('label', { for: 'cp-connect-role' }, 'Role to assume in the cluster\'s account'),
        this.role,
        h(
          'div',
          { class: 'cp-help', id: 'cp-connect-role-help' },
          row.roleArn
            ? 'From your cross-account role file.'
            : 'Empty: your own credentials (the cluster is in your account).'
        )
      )
    );
  }

  getValue(): string {
    return connectLine(this.row.id, this.auth.value, this.protocol.value === 'livy', this.role.value);
  }
}

/** Ask how to connect; null when the user cancels. */
export async function askConnectOptions(row: ClusterRow): Promise<string | null> {
  const authTypes = ['None'];
  try {
    const { cluster } = await api.describe(row);
    if (cluster && cluster.KerberosAttributes) {
      authTypes.push('Kerberos');
    }
  } catch {
    // The dialog still works with None; connecting reports any real problem.
  }
  const body = new ConnectBody(row, authTypes);
  const answer = await showDialog({
    title: `Connect to ${row.name}`,
    body,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Connect' })],
    focusNodeSelector: '#cp-connect-auth'
  });
  return answer.button.accept ? answer.value : null;
}

/**
 * The Clusters sidebar: every cluster the user may see across accounts, with
 * Connect / Spark UI / Terminate per row, a state filter, a search box and a
 * refresh every 15 seconds.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { api, ClusterListing, ClusterRow } from './api';
import { describeError, h, showMessage } from './dom';

const REFRESH_MS = 15000;

/** The state filter's choices: label → the EMR states it asks for. */
export const STATE_FILTERS: [string, string][] = [
  ['Running / Waiting', 'RUNNING,WAITING'],
  ['Starting', 'STARTING,BOOTSTRAPPING'],
  ['Terminating / Terminated', 'TERMINATING,TERMINATED'],
  ['Terminated with errors', 'TERMINATED_WITH_ERRORS'],
  [
    'All',
    'STARTING,BOOTSTRAPPING,RUNNING,WAITING,TERMINATING,TERMINATED,TERMINATED_WITH_ERRORS'
  ]
];

export interface PanelActions {
  connect(row: ClusterRow): Promise<void>;
  createCluster(): void;
}

export class ClustersPanel extends Widget {
  private listing: ClusterListing = { clusters: [], failures: [], configurationErrors: [] };
  private timer: number | undefined;
  private loading = false;
  private readonly banner = h('div', { class: 'cp-banner', role: 'alert', hidden: true });
  private readonly stateFilter = h('select', { class: 'cp-state-filter', 'aria-label': 'Cluster state' });
  private readonly search = h('input', {
    type: 'search',
    class: 'cp-search',
    placeholder: 'Search name, ID or account',
    'aria-label': 'Search clusters'
  });
  private readonly failures = h('div', { class: 'cp-failures' });
  private readonly messages = h('div', { class: 'cp-messages' });
  private readonly body = h('tbody', {});
  private readonly empty = h('div', { class: 'cp-empty cp-muted' });
  private readonly updated = h('div', { class: 'cp-updated cp-muted' });

  constructor(private readonly actions: PanelActions) {
    super();
    this.id = 'clusterport-clusters';
    this.title.caption = 'Clusters';
    this.addClass('cp-panel');
    for (const [label, states] of STATE_FILTERS) {
      this.stateFilter.append(h('option', { value: states }, label));
    }
    const refresh = h('button', { class: 'jp-mod-styled cp-refresh', title: 'Refresh now' }, 'Refresh');
    const create = h('button', { class: 'jp-mod-styled jp-mod-accept cp-create-button' }, 'Create cluster');
    refresh.addEventListener('click', () => void this.refresh());
    create.addEventListener('click', () => this.actions.createCluster());
    this.stateFilter.addEventListener('change', () => void this.refresh());
    this.search.addEventListener('input', () => this.render());
    const head = h(
      'tr',
      {},
      ...['Name', 'ID', 'Status', 'Creation Time', 'Account ID', ''].map(t => h('th', {}, t))
    );
    this.node.append(
      h('h2', { class: 'cp-title' }, 'Clusters'),
      this.banner,
      h('div', { class: 'cp-toolbar' }, this.stateFilter, this.search, refresh, create),
      this.failures,
      this.messages,
      h('div', { class: 'cp-table-wrap' }, h('table', { class: 'cp-table' }, h('thead', {}, head), this.body)),
      this.empty,
      this.updated
    );
    void this.loadConfiguration();
    void this.refresh();
  }

  protected onAfterAttach(): void {
    this.timer = window.setInterval(() => {
      if (this.isVisible) {
        void this.refresh();
      }
    }, REFRESH_MS);
  }

  protected onBeforeDetach(): void {
    window.clearInterval(this.timer);
  }

  protected onAfterShow(): void {
    void this.refresh();
  }

  private async loadConfiguration(): Promise<void> {
    try {
      const configuration = await api.config();
      this.showConfigurationErrors(configuration.errors);
    } catch (error) {
      this.showConfigurationErrors([describeError(error)]);
    }
  }

  private showConfigurationErrors(errors: string[]): void {
    this.banner.hidden = errors.length === 0;
    this.banner.replaceChildren(
      h('strong', {}, 'Studio configuration problem'),
      ...errors.map(e => h('div', {}, e))
    );
  }

  /** Fetch the clusters of every account again. */
  async refresh(): Promise<void> {
    if (this.loading) {
      return;
    }
    this.loading = true;
    this.node.classList.add('cp-loading');
    try {
      this.listing = await api.clusters(this.stateFilter.value);
      this.updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      if (this.listing.configurationErrors.length) {
        this.showConfigurationErrors(this.listing.configurationErrors);
      }
    } catch (error) {
      this.listing = { clusters: [], failures: [], configurationErrors: [] };
      showMessage(this.messages, 'error', `Cannot list clusters: ${describeError(error)}`);
    } finally {
      this.loading = false;
      this.node.classList.remove('cp-loading');
    }
    this.render();
  }

  private render(): void {
    const needle = this.search.value.trim().toLowerCase();
    const rows = this.listing.clusters.filter(
      c =>
        !needle ||
        c.name.toLowerCase().includes(needle) ||
        c.id.toLowerCase().includes(needle) ||
        c.accountId.includes(needle)
    );
    this.body.replaceChildren(...rows.map(row => this.row(row)));
    this.empty.textContent = rows.length
      ? ''
      : needle
        ? 'No cluster matches the search.'
        : 'No clusters in this state.';
    this.failures.replaceChildren(
      ...this.listing.failures.map(f =>
        h(
          'div',
          { class: 'cp-message cp-message-error cp-failure', role: 'alert' },
          `Account ${f.accountId || '(own)'}${f.roleArn ? ` via ${f.roleArn}` : ''}: ${f.code}: ${f.message}`
        )
      )
    );
  }

  private row(row: ClusterRow): HTMLElement {
    const created = row.creationTime ? new Date(row.creationTime).toLocaleString() : '';
    const connect = h('button', { class: 'jp-mod-styled cp-connect', title: row.connectCell }, 'Connect');
    const ui = h('button', { class: 'jp-mod-styled cp-spark-ui' }, 'Spark UI');
    const terminate = h('button', { class: 'jp-mod-styled jp-mod-warn cp-terminate' }, 'Terminate');
    const usable = row.status === 'RUNNING' || row.status === 'WAITING';
    connect.disabled = !usable;
    terminate.disabled = row.status.startsWith('TERMINAT');
    connect.addEventListener('click', () => void this.connect(row));
    ui.addEventListener('click', () => void this.openSparkUi(row));
    terminate.addEventListener('click', () => void this.terminate(row));
    return h(
      'tr',
      { 'data-cluster-id': row.id },
      h('td', { class: 'cp-name' }, row.name),
      h('td', { class: 'cp-id' }, row.id),
      h('td', { class: `cp-status cp-status-${row.status.toLowerCase()}` }, row.status),
      h('td', { class: 'cp-created' }, created),
      h('td', { class: 'cp-account' }, row.accountId),
      h('td', { class: 'cp-actions' }, connect, ui, terminate)
    );
  }

  private async connect(row: ClusterRow): Promise<void> {
    try {
      await this.actions.connect(row);
      showMessage(this.messages, 'info', `Connecting the notebook to ${row.name} (${row.id})…`);
    } catch (error) {
      showMessage(this.messages, 'error', describeError(error));
    }
  }

  private async openSparkUi(row: ClusterRow): Promise<void> {
    // Open the tab now, while the click still counts as a user gesture; fill it in later.
    const tab = window.open('', '_blank');
    showMessage(this.messages, 'info', `Opening the Spark UI of ${row.id}…`);
    try {
      const { url } = await api.sparkUi(row);
      if (tab) {
        tab.location.href = url;
      } else {
        window.open(url, '_blank');
      }
      this.messages.replaceChildren(
        h('div', { class: 'cp-message cp-message-success' }, 'Spark UI: ', h('a', { href: url, target: '_blank' }, url))
      );
    } catch (error) {
      tab?.close();
      showMessage(this.messages, 'error', `Spark UI of ${row.id}: ${describeError(error)}`);
    }
  }

  private async terminate(row: ClusterRow): Promise<void> {
    const answer = await showDialog({
      title: 'Terminate cluster',
      body:
        `Terminate ${row.name} (${row.id}) in account ${row.accountId}? ` +
        'Its Spark sessions end; a cluster launched from a template is stopped by ' +
        'terminating its provisioned product.',
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Terminate' })]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      const result = await api.terminate(row);
      const how =
        result.method === 'servicecatalog'
          ? `through its provisioned product ${result.provisionedProductId} (record ${result.recordId})`
          : 'with TerminateJobFlows';
      showMessage(this.messages, 'success', `Termination of ${row.id} requested ${how}.`);
    } catch (error) {
      showMessage(this.messages, 'error', `Terminate ${row.id}: ${describeError(error)}`);
    }
    await this.refresh();
  }
}

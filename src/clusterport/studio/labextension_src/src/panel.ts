/**
 * The Clusters sidebar: every cluster the user may see across accounts, with
 * Connect / Spark UI / Terminate per row, a state filter, a search box and a
 * refresh every 15 seconds.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { api, ClusterListing, ClusterRow, PendingLaunch } from './api';
import { askConnectOptions } from './connect';
import { describeError, h, showMessage } from './dom';

const REFRESH_MS = 15000;
const AGE_TICK_MS = 5000;
export const PAGE_SIZE = 50;
const NOT_TERMINATED = 'STARTING,BOOTSTRAPPING,RUNNING,WAITING,TERMINATING';

/** The state filter's choices: label → the EMR states it asks for. The first is the default. */
export const STATE_FILTERS: [string, string][] = [
  ['Active', NOT_TERMINATED],
  ['Running / Waiting', 'RUNNING,WAITING'],
  ['Starting', 'STARTING,BOOTSTRAPPING'],
  ['Terminating / Terminated', 'TERMINATING,TERMINATED'],
  ['Terminated with errors', 'TERMINATED_WITH_ERRORS'],
  ['All', `${NOT_TERMINATED},TERMINATED,TERMINATED_WITH_ERRORS`]
];

type SortKey = 'name' | 'id' | 'status' | 'created' | 'account' | 'reason';

interface Column {
  key: SortKey;
  label: string;
  value: (row: ClusterRow) => string;
}

const COLUMNS: Column[] = [
  { key: 'name', label: 'Name', value: r => r.name.toLowerCase() },
  { key: 'id', label: 'ID', value: r => r.id },
  { key: 'status', label: 'Status', value: r => r.status },
  { key: 'created', label: 'Creation Time', value: r => r.creationTime ?? '' },
  { key: 'account', label: 'Account ID', value: r => r.accountId },
  { key: 'reason', label: 'State change reason', value: r => reasonOf(r).toLowerCase() }
];

/** The status shown for a launch whose cluster does not exist yet (not an EMR state). */
export const LAUNCHING = 'PROVISIONING';
const STARTING = new Set([LAUNCHING, 'STARTING', 'BOOTSTRAPPING']);

/**
 * A launch in progress as a row of the table: its progress comes from the
 * provisioned product (the platform), so it is there again after a page reload.
 */
function launchRow(launch: PendingLaunch): ClusterRow {
  const message =
    launch.statusMessage ||
    `Service Catalog is launching ${launch.productName || 'the product'}; the cluster comes next`;
  return {
    id: launch.provisionedProductId,
    name: launch.name,
    status: LAUNCHING,
    creationTime: launch.createdTime,
    accountId: launch.accountId,
    arn: '',
    roleArn: null,
    connectCell: '',
    stateReason: { code: launch.status, message },
    endTime: null,
    launch
  };
}

/** "3 min 5 s" */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ${seconds % 60} s`;
  }
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Why a terminated (or terminating) cluster stopped: EMR's state change reason. */
function reasonOf(row: ClusterRow): string {
  if (!row.status.startsWith('TERMINAT')) {
    return '';
  }
  const reason = row.stateReason ?? { code: '', message: '' };
  return [reason.code, reason.message].filter(Boolean).join(': ');
}

/** What a connect cell reported (see index.ts). */
export interface ConnectResult {
  success: boolean;
  summary: string;
  error: string | null;
}

export interface PanelActions {
  connect(row: ClusterRow, line: string): Promise<ConnectResult>;
  createCluster(): void;
}

export class ClustersPanel extends Widget {
  private listing: ClusterListing = { clusters: [], failures: [], configurationErrors: [] };
  private timer: number | undefined;
  private ageTimer: number | undefined;
  private loading = false;
  private again = false;
  private lastGood: Date | null = null;
  private lastError: string | null = null;
  private sortKey: SortKey = 'created';
  private sortAscending = false;
  private page = 0;
  private readonly banner = h('div', { class: 'cp-banner', role: 'alert', hidden: true });
  private readonly stateFilter = h('select', { class: 'cp-state-filter', 'aria-label': 'Cluster state' });
  private readonly search = h('input', {
    type: 'search',
    class: 'cp-search',
    placeholder: 'Search name, ID or account',
    'aria-label': 'Search clusters'
  });
  private readonly failures = h('div', { class: 'cp-failures' });
  private readonly listError = h('div', { class: 'cp-list-error', role: 'alert' });
  private readonly messages = h('div', { class: 'cp-messages' });
  private readonly body = h('tbody', {});
  private readonly head = h('tr', {});
  private readonly caption = h('caption', { class: 'cp-caption' });
  private readonly empty = h('div', { class: 'cp-empty cp-muted' });
  private readonly updated = h('div', { class: 'cp-updated cp-muted', role: 'status' });
  private readonly pager = h('nav', { class: 'cp-pager', 'aria-label': 'Cluster pages' });

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
    this.stateFilter.addEventListener('change', () => {
      this.page = 0;
      void this.refresh();
    });
    this.search.addEventListener('input', () => {
      this.page = 0;
      this.render();
    });
    this.renderHead();
    this.node.append(
      h('h2', { class: 'cp-title' }, 'Clusters'),
      this.banner,
      h('div', { class: 'cp-toolbar' }, this.stateFilter, this.search, refresh, create),
      this.updated,
      this.listError,
      this.failures,
      this.messages,
      h(
        'div',
        { class: 'cp-table-wrap' },
        h('table', { class: 'cp-table' }, this.caption, h('thead', {}, this.head), this.body)
      ),
      this.empty,
      this.pager
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
    this.ageTimer = window.setInterval(() => this.renderStatus(), AGE_TICK_MS);
  }

  protected onBeforeDetach(): void {
    window.clearInterval(this.timer);
    window.clearInterval(this.ageTimer);
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

  /**
   * Fetch the clusters of every account again. One request at a time (each has a
   * timeout, so none holds the panel); a refresh asked for meanwhile runs right after.
   * A failure keeps the last good rows, says how old they are and shows the error.
   */
  async refresh(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return;
    }
    this.loading = true;
    this.again = false;
    this.node.classList.add('cp-loading');
    this.renderStatus();
    const states = this.stateFilter.value;
    try {
      const listing = await api.clusters(states);
      if (states === this.stateFilter.value) {
        this.listing = listing;
        this.lastGood = new Date();
        this.lastError = null;
      }
      if (listing.configurationErrors.length) {
        this.showConfigurationErrors(listing.configurationErrors);
      }
    } catch (error) {
      this.lastError = describeError(error);
    } finally {
      this.loading = false;
      this.node.classList.remove('cp-loading');
    }
    this.render();
    if (this.again) {
      void this.refresh();
    }
  }

  private renderStatus(): void {
    const age = this.lastGood
      ? `Updated ${this.lastGood.toLocaleTimeString()} (${duration(Date.now() - this.lastGood.getTime())} ago)`
      : 'Not loaded yet';
    this.updated.textContent = this.loading ? `${age} · refreshing…` : age;
    this.updated.classList.toggle('cp-stale', this.lastError !== null);
    if (this.lastError === null) {
      this.listError.replaceChildren();
      return;
    }
    const kept = this.lastGood
      ? `Showing the clusters as of ${this.lastGood.toLocaleTimeString()} (${duration(Date.now() - this.lastGood.getTime())} ago).`
      : 'No cluster list could be loaded yet.';
    this.listError.replaceChildren(
      h('div', { class: 'cp-message cp-message-error' }, `Cannot refresh the cluster list: ${this.lastError}\n${kept}`)
    );
  }

  private renderHead(): void {
    this.head.replaceChildren(
      ...COLUMNS.map(column => {
        const active = this.sortKey === column.key;
        const button = h(
          'button',
          { class: 'cp-sort', type: 'button', 'data-sort': column.key },
          column.label,
          h('span', { class: 'cp-sort-mark', 'aria-hidden': 'true' }, active ? (this.sortAscending ? ' ▲' : ' ▼') : '')
        );
        button.addEventListener('click', () => {
          if (this.sortKey === column.key) {
            this.sortAscending = !this.sortAscending;
          } else {
            this.sortKey = column.key;
            this.sortAscending = true;
          }
          this.page = 0;
          this.renderHead();
          this.render();
        });
        return h(
          'th',
          { scope: 'col', 'aria-sort': active ? (this.sortAscending ? 'ascending' : 'descending') : 'none' },
          button
        );
      }),
      h('th', { scope: 'col' }, h('span', { class: 'cp-visually-hidden' }, 'Actions'))
    );
  }

  private render(): void {
    const needle = this.search.value.trim().toLowerCase();
    const all = [...this.listing.clusters, ...(this.listing.launching ?? []).map(launchRow)];
    const matching = all.filter(
      c =>
        !needle ||
        c.name.toLowerCase().includes(needle) ||
        c.id.toLowerCase().includes(needle) ||
        c.accountId.includes(needle)
    );
    const column = COLUMNS.find(c => c.key === this.sortKey) ?? COLUMNS[0];
    const sorted = [...matching].sort((a, b) => {
      const order = column.value(a).localeCompare(column.value(b)) || a.id.localeCompare(b.id);
      return this.sortAscending ? order : -order;
    });
    const pages = Math.max(1, Math.ceil(sorted.length / PAGE_SIZE));
    this.page = Math.min(this.page, pages - 1);
    const first = this.page * PAGE_SIZE;
    const rows = sorted.slice(first, first + PAGE_SIZE);
    this.body.replaceChildren(...rows.map(row => this.row(row)));
    const filter = this.stateFilter.selectedOptions[0]?.textContent ?? '';
    this.caption.textContent =
      `${filter} EMR clusters of every account you may see: ${sorted.length}` +
      (pages > 1 ? `, rows ${first + 1}–${first + rows.length}` : '');
    this.renderPager(pages, sorted.length);
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
    this.renderStatus();
  }

  private renderPager(pages: number, total: number): void {
    this.pager.hidden = pages <= 1;
    if (pages <= 1) {
      this.pager.replaceChildren();
      return;
    }
    const previous = h('button', { class: 'jp-mod-styled cp-page-previous', type: 'button' }, 'Previous');
    const next = h('button', { class: 'jp-mod-styled cp-page-next', type: 'button' }, 'Next');
    previous.disabled = this.page === 0;
    next.disabled = this.page >= pages - 1;
    previous.addEventListener('click', () => {
      this.page -= 1;
      this.render();
    });
    next.addEventListener('click', () => {
      this.page += 1;
      this.render();
    });
    this.pager.replaceChildren(
      previous,
      h('span', { class: 'cp-page-label' }, `Page ${this.page + 1} of ${pages} (${total} clusters)`),
      next
    );
  }

  private statusCell(row: ClusterRow): HTMLElement {
    const cell = h('td', { class: `cp-status cp-status-${row.status.toLowerCase()}`, 'data-label': 'Status' }, row.status);
    if (STARTING.has(row.status)) {
      const since = row.creationTime ? Date.now() - new Date(row.creationTime).getTime() : null;
      const message = row.stateReason?.message;
      cell.append(
        h(
          'div',
          { class: 'cp-starting cp-muted' },
          [message, since !== null ? `for ${duration(since)}` : ''].filter(Boolean).join(' · ')
        )
      );
    }
    return cell;
  }

  private row(row: ClusterRow): HTMLElement {
    const created = row.creationTime ? new Date(row.creationTime).toLocaleString() : '';
    const label = row.name || row.id;
    const connect = h(
      'button',
      { class: 'jp-mod-styled cp-connect', title: row.connectCell, 'aria-label': `Connect to ${label}` },
      'Connect'
    );
    const ui = h(
      'button',
      { class: 'jp-mod-styled cp-spark-ui', 'aria-label': `Open the Spark UI of ${label}` },
      'Spark UI'
    );
    const terminate = h(
      'button',
      { class: 'jp-mod-styled jp-mod-warn cp-terminate', 'aria-label': `Terminate ${label}` },
      'Terminate'
    );
    const usable = row.status === 'RUNNING' || row.status === 'WAITING';
    connect.disabled = !usable;
    terminate.disabled = row.status.startsWith('TERMINAT') || row.launch !== undefined;
    ui.disabled = row.launch !== undefined;
    connect.addEventListener('click', () => void this.connect(row));
    ui.addEventListener('click', () => void this.openSparkUi(row));
    terminate.addEventListener('click', () => void this.terminate(row));
    const attributes: Record<string, string> = { 'data-cluster-id': row.id };
    if (row.launch) {
      attributes['data-provisioned-product-id'] = row.launch.provisionedProductId;
    }
    return h(
      'tr',
      attributes,
      h('td', { class: 'cp-name', 'data-label': 'Name' }, row.name),
      h('td', { class: 'cp-id', 'data-label': 'ID' }, row.id),
      this.statusCell(row),
      h('td', { class: 'cp-created', 'data-label': 'Created' }, created),
      h('td', { class: 'cp-account', 'data-label': 'Account' }, row.accountId),
      h('td', { class: 'cp-reason', 'data-label': 'Reason' }, reasonOf(row)),
      h('td', { class: 'cp-actions' }, connect, ui, terminate)
    );
  }

  private async connect(row: ClusterRow): Promise<void> {
    const choice = await askConnectOptions(row);
    if (choice === null) {
      return;
    }
    showMessage(this.messages, 'info', `Connecting the notebook to ${row.name} (${row.id})…`);
    try {
      const result = await this.actions.connect(row, choice);
      if (result.success) {
        showMessage(this.messages, 'success', result.summary || `Connected to ${row.name} (${row.id}).`);
      } else {
        showMessage(this.messages, 'error', `Connecting to ${row.name} (${row.id}) failed: ${result.error}`);
      }
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
      // Presigned links expire: a click on this one asks for a fresh link first.
      const link = h('a', { href: url, target: '_blank', class: 'cp-spark-ui-link' }, url);
      link.addEventListener('click', event => {
        event.preventDefault();
        void this.openSparkUi(row);
      });
      this.messages.replaceChildren(
        h('div', { class: 'cp-message cp-message-success' }, `Spark UI of ${row.name}: `, link)
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
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Terminate' })],
      // The safe choice has the focus: Enter or Space right away cancels.
      defaultButton: 0
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

/**
 * clusterport's Clusters panel for JupyterLab 4: a left-sidebar panel listing EMR
 * clusters across accounts, a command palette entry, and the Connect action that
 * inserts and runs the `%sm_analytics emr connect` cell in the active notebook.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';

import { ApiError, ClusterRow } from './api';
import { CreateClusterWidget } from './create';
import { ClustersPanel } from './panel';

const clustersIcon = new LabIcon({
  name: 'clusterport:clusters',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<circle cx="12" cy="5" r="3"/><circle cx="5" cy="18" r="3"/><circle cx="19" cy="18" r="3"/>' +
    '<path d="M11 8h2v3.2l5.1 3.9-1.2 1.6L12 13l-4.9 3.7-1.2-1.6 5.1-3.9z"/></g></svg>'
});

const COMMANDS = {
  open: 'clusterport:open-clusters',
  create: 'clusterport:create-cluster'
};

/** What the magic reported: its readable line and its status (sagemaker-analytics JSON). */
export interface ConnectOutcome {
  success: boolean;
  summary: string;
  error: string | null;
}

/** Read the connect cell's outputs: the "Connected: …" line and the status line. */
function outcomeOf(outputs: any[]): ConnectOutcome {
  const text = outputs
    .map(o => (typeof o.text === 'string' ? o.text : Array.isArray(o.text) ? o.text.join('') : ''))
    .join('');
  const errorOutput = outputs.find(o => o.output_type === 'error');
  const summary = text.split('\n').find(line => line.startsWith('Connected: ')) ?? '';
  for (const line of text.split('\n')) {
    if (line.includes('"sagemaker-analytics"')) {
      try {
        const status = JSON.parse(line);
        return { success: !!status.success, summary, error: status.error_message ?? null };
      } catch {
        break;
      }
    }
  }
  if (errorOutput) {
    return { success: false, summary, error: `${errorOutput.ename}: ${errorOutput.evalue}` };
  }
  return { success: false, summary, error: 'The connect cell printed no status line; see its output.' };
}

/** Put `text` in the active notebook (a new cell, or the active one when it is empty) and run it. */
async function insertAndRun(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker,
  text: string
): Promise<ConnectOutcome> {
  const panel = notebooks.currentWidget;
  if (!panel) {
    throw new ApiError('NoNotebook', 'Open a notebook first: Connect adds a cell to the active notebook.');
  }
  app.shell.activateById(panel.id);
  await panel.context.ready;
  // A new notebook's kernel may still be starting: running before it exists drops the cell.
  await panel.sessionContext.ready;
  if (panel.sessionContext.hasNoKernel) {
    throw new ApiError('NoKernel', 'The notebook has no kernel: select a Python kernel, then Connect again.');
  }
  const notebook = panel.content;
  const active = notebook.activeCell;
  const reuse = active && active.model.type === 'code' && active.model.sharedModel.getSource().trim() === '';
  if (!reuse) {
    NotebookActions.insertBelow(notebook);
  }
  const cell = notebook.activeCell;
  if (!cell) {
    throw new ApiError('NoCell', 'The notebook has no active cell to put the connect command in.');
  }
  cell.model.sharedModel.setSource(text);
  await NotebookActions.run(notebook, panel.sessionContext);
  return outcomeOf(cell.model.toJSON().outputs as any[] ?? []);
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'clusterport-studio:plugin',
  description: 'EMR clusters across accounts: list, connect, Spark UI, create, terminate.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    let createWidget: MainAreaWidget<CreateClusterWidget> | null = null;
    const panel = new ClustersPanel({
      connect: (row: ClusterRow, line: string) => insertAndRun(app, notebooks, line),
      createCluster: () => void app.commands.execute(COMMANDS.create)
    });
    panel.title.icon = clustersIcon;
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, panel.id);

    app.commands.addCommand(COMMANDS.open, {
      label: 'Show the Clusters panel',
      caption: 'EMR clusters of every account you may see',
      icon: clustersIcon,
      execute: () => {
        app.shell.activateById(panel.id);
        void panel.refresh();
      }
    });
    app.commands.addCommand(COMMANDS.create, {
      label: 'Create an EMR cluster from a template',
      execute: () => {
        if (!createWidget || createWidget.isDisposed) {
          const content = new CreateClusterWidget(() => void panel.refresh());
          createWidget = new MainAreaWidget({ content });
          createWidget.id = 'clusterport-create-cluster-area';
          createWidget.title.label = 'Create cluster';
          createWidget.title.icon = clustersIcon;
          createWidget.title.closable = true;
        }
        if (!createWidget.isAttached) {
          app.shell.add(createWidget, 'main');
        }
        app.shell.activateById(createWidget.id);
      }
    });
    if (palette) {
      palette.addItem({ command: COMMANDS.open, category: 'Clusters' });
      palette.addItem({ command: COMMANDS.create, category: 'Clusters' });
    }
  }
};

export default plugin;

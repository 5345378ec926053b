/**
 * "Create cluster": pick a product, fill the form built from its parameters (refused
 * client-side when a guardrail is broken), then follow the provisioning until the
 * cluster is WAITING.
 */
import { Widget } from '@lumino/widgets';

import { api, Parameter, Product, ProvisioningForm, RecordStatus } from './api';
import { describeError, h, showMessage } from './dom';
import { checkName, checkParameter } from './guardrails';

const POLL_MS = 3000;

/** How far along a provisioning is, for the progress bar (0-100). */
function progressOf(status: RecordStatus): number {
  const byCluster: Record<string, number> = {
    STARTING: 50,
    BOOTSTRAPPING: 75,
    RUNNING: 90,
    WAITING: 100
  };
  if (status.clusterState && status.clusterState in byCluster) {
    return byCluster[status.clusterState];
  }
  return status.status === 'CREATED' ? 10 : 25;
}

/** The label of the provisioned product's name (the template's own fields may say "Cluster name"). */
const LAUNCH_NAME = 'Launch name';

/** Show (or clear) a field's problem: its message, aria-invalid for assistive technology. */
function markField(input: HTMLElement, error: HTMLElement, problem: string | null): void {
  error.textContent = problem ?? '';
  if (problem) {
    input.setAttribute('aria-invalid', 'true');
  } else {
    input.removeAttribute('aria-invalid');
  }
}

/** Parameter types with a picker: group 1 is set for the List<…> forms. */
const PICKERS = /^\s*(List<)?\s*AWS::EC2::(?:Subnet|SecurityGroup|VPC)::Id\s*>?\s*$/;

/** A field's value; a multiple select gives its choices comma-separated, as CloudFormation wants. */
function valueOf(input: HTMLInputElement | HTMLSelectElement): string {
  if (input instanceof HTMLSelectElement && input.multiple) {
    return [...input.selectedOptions].map(o => o.value).join(',');
  }
  return input.value;
}

interface Field {
  parameter: Parameter;
  input: HTMLInputElement | HTMLSelectElement;
  error: HTMLElement;
}

export class CreateClusterWidget extends Widget {
  private products: Product[] = [];
  private form: ProvisioningForm | null = null;
  private fields: Field[] = [];
  private timer: number | undefined;
  private readonly productSelect = h('select', { class: 'cp-product', id: 'cp-product', name: 'cp-product' });
  private readonly formArea = h('div', { class: 'cp-form' });
  private readonly messages = h('div', { class: 'cp-messages' });

  constructor(private readonly onCreated: () => void) {
    super();
    this.id = 'clusterport-create-cluster';
    this.title.label = 'Create cluster';
    this.title.closable = true;
    this.addClass('cp-create');
    this.node.append(
      h('h2', {}, 'Create an EMR cluster'),
      h(
        'div',
        { class: 'cp-field' },
        h('label', { for: 'cp-product' }, 'Template (Service Catalog product)'),
        this.productSelect
      ),
      this.messages,
      this.formArea
    );
    this.productSelect.addEventListener('change', () => void this.loadForm());
    void this.loadProducts();
  }

  dispose(): void {
    window.clearTimeout(this.timer);
    super.dispose();
  }

  private async loadProducts(): Promise<void> {
    showMessage(this.messages, 'info', 'Loading the templates you may launch…');
    try {
      this.products = (await api.products()).products;
    } catch (error) {
      showMessage(this.messages, 'error', describeError(error));
      return;
    }
    this.messages.replaceChildren();
    if (this.products.length === 0) {
      showMessage(
        this.messages,
        'info',
        'No template is available: a catalog admin must share a product tagged ' +
          'sagemaker:studio-visibility:emr = true with your role.'
      );
      return;
    }
    this.productSelect.replaceChildren(
      ...this.products.map(p => h('option', { value: p.id }, p.name))
    );
    await this.loadForm();
  }

  private async loadForm(): Promise<void> {
    const productId = this.productSelect.value;
    this.formArea.replaceChildren(h('div', { class: 'cp-muted' }, 'Loading parameters…'));
    try {
      this.form = await api.parameters(productId);
    } catch (error) {
      this.formArea.replaceChildren();
      showMessage(this.messages, 'error', describeError(error));
      return;
    }
    this.messages.replaceChildren();
    this.renderForm(this.form);
  }

  private renderForm(form: ProvisioningForm): void {
    const nameInput = h('input', {
      type: 'text',
      id: 'cp-cluster-name',
      name: 'cp-cluster-name',
      class: 'cp-input',
      required: true,
      maxlength: 128,
      'aria-describedby': 'cp-cluster-name-help cp-cluster-name-error'
    });
    const nameError = h('div', { class: 'cp-field-error', id: 'cp-cluster-name-error' });
    this.fields = form.parameters.map(parameter => this.field(parameter));
    const byKey = new Map(this.fields.map(f => [f.parameter.key, f]));
    const sections: HTMLElement[] = [];
    const grouped = new Set<string>();
    for (const group of form.groups) {
      const members = group.parameters.map(k => byKey.get(k)).filter((f): f is Field => !!f);
      members.forEach(f => grouped.add(f.parameter.key));
      if (members.length) {
        sections.push(h('fieldset', {}, h('legend', {}, group.label), ...members.map(f => this.row(f))));
      }
    }
    const rest = this.fields.filter(f => !grouped.has(f.parameter.key));
    if (rest.length) {
      sections.push(h('fieldset', {}, h('legend', {}, 'Parameters'), ...rest.map(f => this.row(f))));
    }
    const submit = h('button', { type: 'submit', class: 'jp-mod-styled jp-mod-accept cp-submit' }, 'Create cluster');
    const element = h(
      'form',
      { class: 'cp-create-form', novalidate: true },
      h('div', { class: 'cp-muted' }, `Version ${form.artifactName || form.artifactId}`),
      ...form.constraints.map(c => h('div', { class: 'cp-muted' }, c)),
      h(
        'div',
        { class: 'cp-field' },
        h('label', { for: 'cp-cluster-name' }, LAUNCH_NAME),
        nameInput,
        h(
          'div',
          { class: 'cp-help', id: 'cp-cluster-name-help' },
          'The name of this launch in Service Catalog (its provisioned product).'
        ),
        nameError
      ),
      ...sections,
      submit
    );
    element.addEventListener('submit', event => {
      event.preventDefault();
      void this.submit(form, nameInput, nameError, submit);
    });
    this.formArea.replaceChildren(element);
  }

  private field(parameter: Parameter): Field {
    let input: HTMLInputElement | HTMLSelectElement;
    const picker = PICKERS.exec(parameter.type);
    if (picker && parameter.allowedValues.length === 0) {
      input = h('select', { class: 'cp-input cp-picker', multiple: !!picker[1], 'aria-busy': 'true' });
      input.append(h('option', { value: '' }, 'Loading…'));
    } else if (parameter.allowedValues.length > 0) {
      input = h(
        'select',
        { class: 'cp-input' },
        ...parameter.allowedValues.map(v =>
          h('option', { value: v, selected: v === parameter.default }, v)
        )
      );
    } else {
      const numeric =
        parameter.type === 'Number' || parameter.minValue !== null || parameter.maxValue !== null;
      input = h('input', {
        class: 'cp-input',
        type: parameter.noEcho ? 'password' : numeric ? 'number' : 'text',
        min: parameter.minValue,
        max: parameter.maxValue,
        minlength: parameter.minLength,
        maxlength: parameter.maxLength,
        autocomplete: parameter.noEcho ? 'new-password' : 'off'
      });
      input.value = parameter.default ?? '';
    }
    input.name = `cp-param-${parameter.key}`;
    input.id = `cp-param-${parameter.key}`;
    input.dataset.key = parameter.key;
    input.setAttribute('aria-describedby', `cp-param-${parameter.key}-help cp-param-${parameter.key}-error`);
    const error = h('div', { class: 'cp-field-error', id: `cp-param-${parameter.key}-error` });
    const field: Field = { parameter, input, error };
    input.addEventListener('change', () => {
      markField(field.input, error, checkParameter(parameter, valueOf(field.input)));
    });
    if (picker && input instanceof HTMLSelectElement) {
      void this.fillPicker(field, input);
    }
    return field;
  }

  /** List the account's subnets / groups / VPCs; without the right to list them, a text field. */
  private async fillPicker(field: Field, select: HTMLSelectElement): Promise<void> {
    const parameter = field.parameter;
    const defaults = (parameter.default ?? '').split(',').map(v => v.trim()).filter(Boolean);
    try {
      const { choices } = await api.ec2Choices(parameter.type);
      const only = choices.length === 1 && defaults.length === 0;
      select.replaceChildren(
        ...(select.multiple || only ? [] : [h('option', { value: '' }, 'Choose…')]),
        ...choices.map(c =>
          h('option', { value: c.value, selected: only || defaults.includes(c.value) }, c.label)
        )
      );
      if (!choices.length) {
        field.error.textContent = 'The account has none to choose from.';
      }
    } catch (error) {
      const text = h('input', {
        class: 'cp-input',
        type: 'text',
        id: select.id,
        name: select.name,
        autocomplete: 'off',
        'aria-describedby': select.getAttribute('aria-describedby')
      });
      text.dataset.key = parameter.key;
      text.value = parameter.default ?? '';
      text.addEventListener('change', () => {
        markField(text, field.error, checkParameter(parameter, text.value));
      });
      select.replaceWith(text);
      field.input = text;
      field.error.textContent = `No list to pick from: ${describeError(error)}`;
    } finally {
      select.removeAttribute('aria-busy');
    }
  }

  private row(field: Field): HTMLElement {
    const p = field.parameter;
    const help = [p.description, p.constraintDescription].filter(Boolean).join(' ');
    return h(
      'div',
      { class: 'cp-field' },
      h('label', { for: field.input.id }, p.label || p.key),
      field.input,
      h('div', { class: 'cp-help', id: `${field.input.id}-help` }, help),
      field.error
    );
  }

  private async submit(
    form: ProvisioningForm,
    nameInput: HTMLInputElement,
    nameError: HTMLElement,
    submit: HTMLButtonElement
  ): Promise<void> {
    const problems: string[] = [];
    const invalid: HTMLElement[] = [];
    const nameProblem = checkName(nameInput.value);
    markField(nameInput, nameError, nameProblem);
    if (nameProblem) {
      problems.push(nameProblem);
      invalid.push(nameInput);
    }
    const values: Record<string, string> = {};
    for (const field of this.fields) {
      const value = valueOf(field.input);
      const found = checkParameter(field.parameter, value);
      markField(field.input, field.error, found);
      if (found) {
        problems.push(found);
        invalid.push(field.input);
      } else if (value !== '') {
        values[field.parameter.key] = value;
      }
    }
    if (problems.length) {
      showMessage(this.messages, 'error', `Fix these values first:\n${problems.join('\n')}`);
      invalid[0].focus();
      return;
    }
    submit.disabled = true;
    showMessage(this.messages, 'info', 'Submitting…');
    try {
      const { recordId } = await api.provision(form, nameInput.value, values);
      this.follow(recordId, nameInput.value);
    } catch (error) {
      submit.disabled = false;
      showMessage(this.messages, 'error', describeError(error));
    }
  }

  /** The progress view: poll the record until the cluster is WAITING or something fails. */
  private follow(recordId: string, name: string): void {
    const text = h('div', { class: 'cp-progress-text', role: 'status' }, 'Provisioning requested…');
    const bar = h('progress', { class: 'cp-progress', max: 100 });
    this.formArea.replaceChildren(h('h3', {}, `Creating ${name}`), bar, text);
    this.messages.replaceChildren();
    const poll = async (): Promise<void> => {
      let status: RecordStatus;
      try {
        status = await api.record(recordId);
      } catch (error) {
        showMessage(this.messages, 'error', describeError(error));
        this.timer = window.setTimeout(() => void poll(), POLL_MS);
        return;
      }
      this.messages.replaceChildren();
      bar.value = progressOf(status);
      const cluster = status.clusterId
        ? ` — cluster ${status.clusterId} is ${status.clusterState ?? 'being created'}`
        : '';
      text.textContent = `Provisioning ${status.status}${cluster}`;
      if (!status.done) {
        this.timer = window.setTimeout(() => void poll(), POLL_MS);
        return;
      }
      this.onCreated();
      const failed =
        status.status === 'FAILED' ||
        status.status === 'IN_PROGRESS_IN_ERROR' ||
        (status.clusterState ?? '').startsWith('TERMINATED');
      if (failed) {
        const reasons = [...status.errors, status.clusterStateReason].filter(Boolean).join('\n');
        showMessage(this.messages, 'error', `Creating ${name} failed.\n${reasons}`);
      } else if (status.clusterId) {
        showMessage(this.messages, 'success', `Cluster ${status.clusterId} is ${status.clusterState}: ready to connect.`);
      } else {
        showMessage(this.messages, 'success', `${name} is provisioned; its cluster appears in the Clusters panel.`);
      }
    };
    void poll();
  }
}

/**
 * The Clusters panel's view of the server extension's API (`<base_url>/clusterport/...`).
 * Every failure becomes an ApiError carrying the AWS error code and its full message.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface ClusterRow {
  id: string;
  name: string;
  status: string;
  creationTime: string | null;
  accountId: string;
  arn: string;
  roleArn: string | null;
  connectCell: string;
  stateReason: { code: string; message: string };
  endTime: string | null;
  /** Set on the row of a launch whose cluster does not exist yet (no action applies). */
  launch?: PendingLaunch;
}

/** A cluster launched from Service Catalog that EMR does not list yet (its stack is being made). */
export interface PendingLaunch {
  provisionedProductId: string;
  name: string;
  status: string;
  statusMessage: string;
  createdTime: string | null;
  accountId: string;
  recordId: string | null;
  productName: string;
}

export interface AccountFailure {
  accountId: string;
  roleArn: string | null;
  code: string;
  message: string;
}

export interface ClusterListing {
  clusters: ClusterRow[];
  failures: AccountFailure[];
  configurationErrors: string[];
  /** The user's launches still without a cluster (from SearchProvisionedProducts). */
  launching?: PendingLaunch[];
}

export interface Configuration {
  roleFile: string;
  assumableRoles: Record<string, string>;
  executionRoles: Record<string, string[]>;
  errors: string[];
}

export interface Product {
  id: string;
  viewId: string;
  name: string;
  owner: string;
  shortDescription: string;
}

export interface Parameter {
  key: string;
  type: string;
  default: string | null;
  description: string;
  noEcho: boolean;
  label: string | null;
  allowedValues: string[];
  allowedPattern: string | null;
  constraintDescription: string | null;
  minLength: number | null;
  maxLength: number | null;
  minValue: number | null;
  maxValue: number | null;
}

/** One value of a subnet / security group / VPC picker. */
export interface Ec2Choice {
  value: string;
  label: string;
}

export interface ParameterGroup {
  label: string;
  parameters: string[];
}

export interface ProvisioningForm {
  productId: string;
  productName: string;
  artifactId: string;
  artifactName: string;
  pathId: string | null;
  parameters: Parameter[];
  groups: ParameterGroup[];
  constraints: string[];
  usageInstructions: string[];
}

export interface RecordStatus {
  recordId: string;
  status: string;
  recordType: string;
  provisionedProductId: string | null;
  provisionedProductName: string | null;
  errors: string[];
  outputs: Record<string, string>;
  clusterId: string | null;
  clusterState: string | null;
  clusterStateReason: string | null;
  done: boolean;
}

export interface TerminationResult {
  clusterId: string;
  method: 'servicecatalog' | 'emr';
  provisionedProductId: string | null;
  recordId: string | null;
}

/** An error answered by the API (or the network), shown with its full explanation. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
  }

  toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** How long any request may take before the panel gives up on it (the server bounds its AWS calls below this). */
export const REQUEST_TIMEOUT_MS = 30000;
/** Calls that wait for AWS on purpose (a Spark UI attaching, a termination) get longer. */
const SLOW_TIMEOUT_MS = 90000;

async function request<T>(
  path: string,
  init: RequestInit = {},
  timeoutMs: number = REQUEST_TIMEOUT_MS
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'clusterport', path);
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await ServerConnection.makeRequest(url, { ...init, signal: controller.signal }, settings);
    text = await response.text();
  } catch (error) {
    if (controller.signal.aborted) {
      throw new ApiError(
        'RequestTimeout',
        `The Jupyter server did not answer within ${timeoutMs / 1000} s; the next refresh tries again.`
      );
    }
    throw new ApiError('NetworkError', `The Jupyter server did not answer: ${error}`);
  } finally {
    window.clearTimeout(timer);
  }
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(
      (data && data.code) || String(response.status),
      (data && data.message) || text || response.statusText
    );
  }
  return data as T;
}

function post<T>(path: string, body: unknown, timeoutMs: number = SLOW_TIMEOUT_MS): Promise<T> {
  return request<T>(path, { method: 'POST', body: JSON.stringify(body) }, timeoutMs);
}

const segment = encodeURIComponent;

export const api = {
  config: () => request<Configuration>('config'),
  clusters: (states: string) =>
    request<ClusterListing>(`clusters?states=${segment(states)}`),
  describe: (row: ClusterRow) =>
    request<{ cluster: any }>(`clusters/${segment(row.id)}?accountId=${segment(row.accountId)}`),
  sparkUi: (row: ClusterRow) =>
    post<{ url: string }>(`clusters/${segment(row.id)}/spark-ui`, {
      accountId: row.accountId
    }),
  terminate: (row: ClusterRow) =>
    post<TerminationResult>(`clusters/${segment(row.id)}/terminate`, {
      accountId: row.accountId
    }),
  products: () => request<{ products: Product[] }>('products'),
  parameters: (productId: string) =>
    request<ProvisioningForm>(`products/${segment(productId)}/parameters`),
  provision: (
    form: ProvisioningForm,
    name: string,
    parameters: Record<string, string>
  ) =>
    post<{ recordId: string }>(`products/${segment(form.productId)}/provision`, {
      artifactId: form.artifactId,
      pathId: form.pathId,
      name,
      parameters
    }),
  record: (recordId: string) => request<RecordStatus>(`records/${segment(recordId)}`),
  ec2Choices: (type: string) =>
    request<{ choices: Ec2Choice[] }>(`ec2-choices?type=${segment(type)}`)
};

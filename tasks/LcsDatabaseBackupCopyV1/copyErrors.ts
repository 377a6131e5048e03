/**
 * Storage's refusals as one message that says what to do: no data role on the account
 * (AuthorizationPermissionMismatch), a firewall (AuthorizationFailure), a destination that
 * exists, a missing container, a SAS that is refused. The proxy, throttling (ServerBusy) and
 * outages are worded by the HTTP layer (failures.ts). Pure.
 */
import { TaskFailure } from '../common/platform/errors';
import { AZURE_STATUS_PAGE, describeHttpFailure } from '../common/http/failures';
import { HttpResponse, hostOf } from '../common/http/http';
import { neutralize } from '../common/text/sanitize';
import { Destination } from './destination';

/** The copy could not be started, ended badly, or could not be verified. */
export class CopyError extends TaskFailure {
  constructor(
    message: string,
    advice?: string,
    readonly code?: string,
  ) {
    super(message, advice);
  }
}

/** Storage's own message (first line of <Message>), neutralized. */
function storageMessage(response: HttpResponse): string {
  const m = /<Message>([^<]{1,600})<\/Message>/.exec(response.body)?.[1];
  return m ? `: ${neutralize(m.split(/\r?\n/)[0], 300)}` : '';
}

function roleAdvice(d: Destination): string {
  return d.kind === 'sas'
    ? 'The destination SAS does not allow writing: create a container SAS with the permissions Create and Write (racw), sr=c, valid for the whole copy.'
    : `Assign the identity of the service connection the role Storage Blob Data Contributor on the storage account ${d.accountName} (or on the container ${d.container}): Azure portal > the storage account > Access control (IAM) > Add role assignment. Owner or Contributor is not enough: they manage the account but give no access to its data. A new role assignment can take a few minutes to apply.`;
}

const FIREWALL_ADVICE =
  "The storage account's firewall refuses the agent: in the Azure portal > the storage account > Networking, allow the agent's public IP address or virtual network (Microsoft-hosted agents have changing addresses: use a self-hosted agent in an allowed network, or a private endpoint), then run again.";

function refusalAdvice(code: string, d: Destination): { what: string; advice: string } | undefined {
  const advice: Record<string, { what: string; advice: string }> = {
    AuthorizationPermissionMismatch: { what: 'the identity has no data role on the storage account', advice: roleAdvice(d) },
    AuthorizationPermissionDenied: { what: 'the identity has no data role on the storage account', advice: roleAdvice(d) },
    AuthorizationFailure: {
      what: "the storage account's firewall (network rules) or the SAS refuses the request",
      advice: d.kind === 'sas' ? `${FIREWALL_ADVICE} If the account has no firewall, check the SAS.` : FIREWALL_ADVICE,
    },
    AuthenticationFailed: {
      what: 'the credentials were not accepted',
      advice:
        d.kind === 'sas'
          ? 'The destination SAS is expired, revoked or not signed for this account: create a new container SAS (racw, sr=c) and update the secret variable.'
          : "Check the service connection (Verify in Project settings > Service connections) and that the agent's clock is right.",
    },
    InvalidAuthenticationInfo: {
      what: 'the credentials were not accepted',
      advice: "Check the service connection's cloud and that the storage account belongs to it.",
    },
    ContainerNotFound: {
      what: `the container '${d.container}' does not exist`,
      advice: `Create the container ${d.container} in the storage account (the task does not create it), or fix containerName.`,
    },
    BlobAlreadyExists: {
      what: `a blob named '${d.blobName}' already exists`,
      advice: 'Set overwrite: true to replace it, or choose another destinationBlobName.',
    },
    ConditionNotMet: {
      what: `a blob named '${d.blobName}' already exists`,
      advice: 'Set overwrite: true to replace it, or choose another destinationBlobName.',
    },
    PendingCopyOperation: {
      what: `another copy into '${d.blobName}' is still pending`,
      advice: 'Wait for it to end (or abort it: az storage blob copy cancel), or choose another destinationBlobName.',
    },
    CannotVerifyCopySource: {
      what: 'storage could not read the backup with the LCS download URL',
      advice: "Run the task again for a fresh download URL; if it persists, check that the storage account's firewall allows reading from LCS's storage.",
    },
    AccountIsDisabled: { what: 'the storage account is disabled', advice: 'Enable the storage account, or choose another one.' },
  };
  return advice[code];
}

/**
 * Storage said it is too busy (503 ServerBusy; a 503 without a code; 429): it did not act on the
 * request, and asking again later works.
 */
export function storageBusy(status: number, code: string): boolean {
  return status === 429 || (status === 503 && (code === 'ServerBusy' || code === ''));
}

/** The error for a storage answer that ends the task: a CopyError for storage's own refusals. */
export function storageRefusal(response: HttpResponse, code: string, d: Destination, action: string): TaskFailure {
  const known = refusalAdvice(code, d);
  const label = `HTTP ${response.status}${code ? ` ${neutralize(code, 80)}` : ''}`;
  if (known) {
    return new CopyError(`Could not ${action} into ${d.display}: ${known.what} (${label}${storageMessage(response)}).`, known.advice, code);
  }
  const target = { service: 'Azure Storage', host: hostOf(d.blobUrl), statusPage: AZURE_STATUS_PAGE, context: `Could not ${action} into ${d.display}` };
  const common = describeHttpFailure(
    { kind: 'status', status: response.status, attempts: response.attempts, code, throttled: storageBusy(response.status, code) },
    target,
  );
  if (common) {
    return common;
  }
  return new CopyError(
    `Could not ${action} into ${d.display}: Azure Storage answered ${label}${storageMessage(response)}.`,
    "Check the storage account, container and the connection's access to them; run with system.debug set to true for details.",
    code,
  );
}

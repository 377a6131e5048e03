/**
 * The TaskHost of a real pipeline run: everything that touches azure-pipelines-task-lib (and so
 * the Azure Pipelines agent) lives here, so the rest of the code is tested without the agent.
 */
// First: registers URL passwords before azure-pipelines-task-lib loads and echoes the proxy URL.
import './maskUrlPasswords';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import * as tl from 'azure-pipelines-task-lib/task';
import { TaskCommand } from 'azure-pipelines-task-lib/taskcommand';
import { InputError } from './errors';
import { TaskHost } from './host';
import { InputSource } from './inputs';
import { NetworkSettings, proxyDisplayUrl, proxyUrlWithCredentials } from './networkSettings';
import { neutralize } from '../text/sanitize';
import { capturedInput } from './secretInputs';

/**
 * Registers a secret the user configured. The agent refuses a secret with a line break (and
 * task-lib throws on one), so such a value is the user's to fix: an InputError that names it.
 */
function registerConfiguredSecret(value: string | undefined, what: string, fix: string): void {
  if (!value) {
    return;
  }
  if (/[\r\n]/.test(value)) {
    throw new InputError(`The ${what} contains a line break; the agent cannot mask such a value in the log.`, fix);
  }
  tl.setSecret(value);
}

/**
 * A connection's credentials, read from ENDPOINT_AUTH_<id> as a whole. task-lib's
 * getEndpointAuthorizationParameter writes every value it reads, the password included, to
 * debug output; reading the JSON does not, and lets us mask the password first.
 */
function endpointAuthorization(id: string): { scheme?: string; parameters: Record<string, string> } {
  let auth: tl.EndpointAuthorization | undefined;
  try {
    auth = tl.getEndpointAuthorization(id, true);
  } catch {
    throw new InputError(`The credentials of service connection ${id} could not be read.`, 'Edit the service connection and save it again.');
  }
  const parameters: Record<string, string> = {};
  for (const [key, value] of Object.entries(auth?.parameters ?? {})) {
    if (typeof value === 'string') {
      parameters[key.toLowerCase()] = value;
    }
  }
  registerConfiguredSecret(parameters.password, `password of service connection ${id}`, 'Edit the service connection and enter the password on one line.');
  return { scheme: auth?.scheme, parameters };
}

/**
 * A connection's URL and data parameters, read from the same variables as task-lib's
 * getEndpointUrl and getEndpointDataParameter, which write the value they read to debug
 * output: a URL with a user name and password in it would be printed whole.
 */
function endpointUrl(id: string): string | undefined {
  return process.env[`ENDPOINT_URL_${id}`];
}

function endpointData(id: string, key: string): string | undefined {
  return process.env[`ENDPOINT_DATA_${id}_${key.toUpperCase()}`];
}

/** All data parameters of a connection (ENDPOINT_DATA_<id>_<KEY>), keys in lower case. */
function endpointDataAll(id: string): Record<string, string> {
  const prefix = `ENDPOINT_DATA_${id}_`.toUpperCase();
  const data: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && name.toUpperCase().startsWith(prefix)) {
      data[name.slice(prefix.length).toLowerCase()] = value;
    }
  }
  return data;
}

/** Inputs and service connections as the agent hands them over. */
const agentInputs: InputSource = {
  getInput: (name) => capturedInput(name) ?? tl.getInput(name, false),
  getEndpoint: (id) => {
    const auth = endpointAuthorization(id);
    return {
      url: endpointUrl(id),
      apiUrl: endpointData(id, 'apiurl'),
      scheme: auth.scheme,
      username: auth.parameters.username,
      password: auth.parameters.password,
      clientId: auth.parameters.clientid,
      parameters: auth.parameters,
      data: endpointDataAll(id),
    };
  },
  getVariable: (name) => tl.getVariable(name),
};

/** The agent's proxy and certificate settings. */
function agentNetworkSettings(): NetworkSettings {
  registerConfiguredSecret(
    tl.getVariable('Agent.ProxyPassword'),
    "agent's proxy password (Agent.ProxyPassword)",
    "Fix the agent's proxy settings (config --proxypassword).",
  );
  registerConfiguredSecret(
    tl.getVariable('Agent.ClientCertPassword'),
    "agent's client certificate password (Agent.ClientCertPassword)",
    "Fix the agent's certificate settings (config --sslclientcertpassword).",
  );
  const cert = tl.getHttpCertConfiguration();
  const proxyUrl = tl.getVariable('Agent.ProxyUrl');
  if (proxyUrl) {
    // Checked here because task-lib's own parse of it would fail with an unrelated message.
    proxyUrlWithCredentials(proxyUrl);
  }
  return {
    proxyFor: (url) => {
      let config: tl.ProxyConfiguration | null;
      try {
        config = tl.getHttpProxyConfiguration(url);
      } catch {
        throw new InputError(
          "The agent's proxy bypass list (Agent.ProxyBypassList) is not a list of valid regular expressions.",
          "Fix the agent's .proxybypass file.",
        );
      }
      return config
        ? {
            formattedUrl: proxyUrlWithCredentials(config.proxyUrl, config.proxyUsername, config.proxyPassword),
            displayUrl: proxyDisplayUrl(config.proxyUrl),
          }
        : undefined;
    },
    cert: cert ? { caFile: cert.caFile, certFile: cert.certFile, keyFile: cert.keyFile, passphrase: cert.passphrase } : undefined,
    extraCaFile: process.env.NODE_EXTRA_CA_CERTS,
    certificateChecksOffInEnvironment: process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0',
  };
}

/** A line for the log. Every caller passes text it built; remote parts are neutralized again here. */
function info(line: string): void {
  console.log(neutralize(line, 4000));
}

function warn(line: string): void {
  tl.warning(neutralize(line, 4000));
}

function debug(line: string): void {
  tl.debug(neutralize(line, 4000));
}

/** Secrets registered per write: few writes, and no single string of all of them (tens of MB for 100,000 URLs). */
const SECRETS_PER_WRITE = 1000;

/**
 * Registers many secrets with few writes: the same `##vso[task.setsecret]` lines tl.setSecret
 * prints, formatted by task-lib's TaskCommand, without one write per value (a project with
 * thousands of backups has thousands of download URLs).
 */
function setSecrets(values: Iterable<string>): void {
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length) {
      process.stdout.write(lines.join(os.EOL) + os.EOL);
      lines = [];
    }
  };
  for (const value of values) {
    if (value) {
      lines.push(new TaskCommand('task.setsecret', {}, value).toString());
    }
    if (lines.length >= SECRETS_PER_WRITE) {
      flush();
    }
  }
  flush();
}

/**
 * Publishes an output variable (`isOutput=true`), readable as `$(<step name>.<name>)`.
 * Written as the command itself: tl.setVariable also echoes non-secret values to debug
 * output, and FileLocation must not appear there even when it is not published as a secret.
 */
function setOutput(name: string, value: string, isSecret = false): void {
  tl.command('task.setvariable', { variable: name, isOutput: 'true', issecret: String(isSecret) }, value);
}

/** Writes Markdown to the agent's temp directory and attaches it as a summary tab. */
function attachSummary(title: string, fileName: string, markdown: string): void {
  const dir = tl.getVariable('Agent.TempDirectory');
  if (!dir) {
    tl.debug('Agent.TempDirectory is not set: no summary tab.');
    return;
  }
  const file = path.join(dir, fileName);
  fs.writeFileSync(file, markdown, 'utf8');
  tl.addAttachment('Distributedtask.Core.Summary', title, file);
}

function succeed(message: string): void {
  tl.setResult(tl.TaskResult.Succeeded, message);
}

function succeedWithIssues(message: string): void {
  tl.setResult(tl.TaskResult.SucceededWithIssues, message);
}

function fail(message: string): void {
  tl.setResult(tl.TaskResult.Failed, neutralize(message, 4000));
}

/** Calls the handler once on the first SIGINT or SIGTERM the agent sends to cancel the step. */
function onCancel(handler: (signal: string) => void): () => void {
  let called = false;
  const listener = (signal: NodeJS.Signals): void => {
    if (!called) {
      called = true;
      handler(signal);
    }
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

/** The host of a pipeline run. */
export const pipelineHost: TaskHost = {
  inputs: agentInputs,
  networkSettings: agentNetworkSettings,
  info,
  warn,
  debug,
  setSecret: (value) => tl.setSecret(value),
  setSecrets,
  setOutput,
  setProgress: (percent, text) => tl.setProgress(Math.max(0, Math.min(100, Math.round(percent))), neutralize(text, 200)),
  attachSummary,
  succeed,
  succeedWithIssues,
  fail,
  onCancel,
};

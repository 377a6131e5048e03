/**
 * User names and passwords written into URLs (https://user:password@host/). No URL field of
 * these tasks may carry them, but a user can type them anyway: they must never reach a log
 * line, neither in our messages nor in azure-pipelines-task-lib's debug echo of what it reads.
 */
import { TaskCommand } from 'azure-pipelines-task-lib/taskcommand';

/**
 * Text meant as a URL with whatever could be its user name and password replaced by `***`,
 * for quoting in a message. Works on text that is not a valid URL too: everything from the
 * start of the authority (after `scheme://`, or the start of the text) to the last `@` before
 * the path, query or fragment goes.
 */
export function withoutUserinfo(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:[\\/]+)?[^\\/?#]*@/i, '$1***@');
}

/** One line of text the agent accepts as a secret (it refuses line breaks, and then prints the line). */
function singleLine(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return value.length > 0 && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value);
}

/** The password of a URL in the forms a line could show it (as written, and decoded); [] without one. */
export function urlPasswords(text: string): string[] {
  let password: string;
  try {
    password = new URL(text.trim()).password;
  } catch {
    return [];
  }
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // Malformed escapes: the password as written is all a line could show.
  }
  return [...new Set([password, decoded])].filter(singleLine);
}

/** The agent's variables that hold URLs: the proxy, and each service connection's URL and data. */
function holdsUrl(name: string): boolean {
  return name === 'AGENT_PROXYURL' || name.startsWith('ENDPOINT_URL_') || name.startsWith('ENDPOINT_DATA_');
}

/**
 * The `##vso[task.setsecret]` lines that register the password of every URL the agent hands
 * over. Written before azure-pipelines-task-lib loads: it echoes Agent.ProxyUrl as debug
 * output while it loads, and the agent masks a value only from the moment it is registered.
 */
export function urlPasswordSecretCommands(env: NodeJS.ProcessEnv): string[] {
  const passwords = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value && value.includes('@') && holdsUrl(name)) {
      urlPasswords(value).forEach((p) => passwords.add(p));
    }
  }
  return [...passwords].map((p) => new TaskCommand('task.setsecret', {}, p).toString());
}

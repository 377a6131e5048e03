/**
 * One MockTestRunner scenario, configured by the test through L0_CASE (JSON). It runs the
 * compiled task with the real azure-pipelines-task-lib and replaces only the sign-in and the
 * HTTP client that common/lcs/session.ts requires, so the task's wiring (inputs, session, LCS
 * envelope, outputs, secrets, messages) is what is tested.
 */
import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';
import type { HttpRequest, HttpResponse } from '../../tasks/common/http/http';
import { SignInError } from '../../tasks/common/platform/errors';

export interface L0Case {
  inputs: Record<string, string>;
  endpointId?: string;
  endpoint?: { url: string; apiurl: string; username: string; password: string; clientid: string };
  /** The envelope LCS answers with (JSON-serialised and parsed by the real parser). */
  envelope?: unknown;
  /** Make the sign-in fail with this SignInError message. */
  signInFailure?: string;
  token: string;
}

const testCase = JSON.parse(process.env.L0_CASE ?? '{}') as L0Case;
const taskPath = path.join(__dirname, '..', '..', 'tasks', 'LcsDatabaseBackupsV1', 'index.js');
const tmr = new TaskMockRunner(taskPath);

for (const [name, value] of Object.entries(testCase.inputs)) {
  tmr.setInput(name, value);
}
if (testCase.endpoint && testCase.endpointId) {
  const id = testCase.endpointId;
  const e = testCase.endpoint;
  process.env[`ENDPOINT_URL_${id}`] = e.url;
  process.env[`ENDPOINT_DATA_${id}_APIURL`] = e.apiurl;
  process.env[`ENDPOINT_AUTH_${id}`] = JSON.stringify({
    parameters: { username: e.username, password: e.password, clientid: e.clientid },
    scheme: 'UsernamePassword',
  });
}

// Required by tasks/common/lcs/session.ts under these names.
tmr.registerMock('./auth', {
  signIn: async () => {
    console.log('L0: signIn called');
    if (testCase.signInFailure) {
      throw new SignInError(testCase.signInFailure, 'Fix it.', 50126);
    }
    return { token: testCase.token, expiresOn: new Date(Date.now() + 3600_000) };
  },
});
tmr.registerMock('../http/http', {
  axiosTransport: () => undefined,
  HttpClient: class {
    async send(request: HttpRequest): Promise<HttpResponse> {
      console.log(`L0: ${request.method} ${new URL(request.url).pathname}, token matches: ${request.headers.Authorization === `Bearer ${testCase.token}`}`);
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(testCase.envelope), attempts: 1 };
    }
  },
});

// true: the real task-lib, not its mock, so setVariable/setSecret/addAttachment are the real ones.
tmr.run(true);

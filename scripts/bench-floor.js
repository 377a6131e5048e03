/**
 * The physical floor `npm run bench` compares the task against: plain node:https, no packages.
 * It reads the same environment the agent gives the task (INPUT_*, ENDPOINT_*), makes the same
 * two requests (the Entra ID token POST, the LCS list GET with the bearer token and x-ms-version),
 * picks the newest backup by CreatedDateTime and prints two `##vso[task.setvariable]` lines.
 * The CA comes from NODE_EXTRA_CA_CERTS, exactly as for the task. No retries, no validation,
 * no logging: whatever the task does beyond this is what the benchmark's ratio measures.
 */
'use strict';
const https = require('node:https');

function request(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const env = process.env;
  const id = env.INPUT_LCSCONNECTION;
  const authority = env[`ENDPOINT_URL_${id}`];
  const apiUrl = env[`ENDPOINT_DATA_${id}_APIURL`];
  const { parameters } = JSON.parse(env[`ENDPOINT_AUTH_${id}`]);

  const form = new URLSearchParams({
    client_id: parameters.clientid,
    grant_type: 'password',
    username: parameters.username,
    password: parameters.password,
    scope: `${apiUrl}//.default`,
  }).toString();
  const token = await request(
    'POST',
    `${authority}/oauth2/v2.0/token`,
    {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': Buffer.byteLength(form),
    },
    form,
  );
  if (token.status !== 200) throw new Error(`token: HTTP ${token.status}`);
  const accessToken = JSON.parse(token.body).access_token;

  const list = await request('GET', `${apiUrl}/databasemovement/v1/databases/project/${env.INPUT_PROJECTID}`, {
    Authorization: `Bearer ${accessToken}`,
    'x-ms-version': '2017-09-15',
    Accept: 'application/json',
  });
  if (list.status !== 200) throw new Error(`list: HTTP ${list.status}`);
  const assets = JSON.parse(list.body).DatabaseAssets || [];
  let newest;
  let newestAt = -Infinity;
  for (const asset of assets) {
    const at = Date.parse(asset.CreatedDateTime);
    if (at > newestAt) {
      newest = asset;
      newestAt = at;
    }
  }
  if (!newest) throw new Error('no backup');
  process.stdout.write(`##vso[task.setvariable variable=BackupId;isOutput=true;issecret=false]${newest.Id}\n`);
  process.stdout.write(`##vso[task.setvariable variable=FileLocation;isOutput=true;issecret=true]${newest.FileLocation}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench-floor: ${error && error.message ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

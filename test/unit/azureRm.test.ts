import { strict as assert } from 'node:assert';
import { readAzureRmConnection } from '../../tasks/common/azure/azureRm';
import type { InputSource, RawEndpoint } from '../../tasks/common/platform/inputs';

const TENANT = '3f2e1d0c-9b8a-4765-8432-10fedcba9876';

const CLIENT = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

function source(endpoint: RawEndpoint, variables: Record<string, string> = {}, vss: RawEndpoint = { parameters: { accesstoken: 'job-token' } }): InputSource {
  return {
    getInput: (name) => (name === 'azureSubscription' ? 'ARM' : undefined),
    getEndpoint: (id) => (id === 'ARM' ? endpoint : id === 'SystemVssConnection' ? vss : {}),
    getVariable: (name) => variables[name],
  };
}

describe('azureRm: the Azure Resource Manager connection', () => {
  const wif: RawEndpoint = {
    scheme: 'WorkloadIdentityFederation',
    parameters: { tenantid: TENANT, serviceprincipalid: CLIENT },
    data: { environment: 'AzureUSGovernment', environmentauthorityurl: 'https://login.microsoftonline.us/' },
  };

  it("workload identity federation: the OIDC endpoint and job token, the cloud's authority and storage suffix", () => {
    const c = readAzureRmConnection(source(wif, { 'System.OidcRequestUri': 'https://dev.azure.com/contoso/_apis/oidc' }));
    assert.equal(c.scheme, 'WorkloadIdentityFederation');
    assert.equal(c.authorityHost, 'https://login.microsoftonline.us');
    assert.equal(c.storageSuffix, 'core.usgovcloudapi.net');
    assert.equal(c.oidcRequestUri, 'https://dev.azure.com/contoso/_apis/oidc');
    assert.equal(c.systemAccessToken, 'job-token');
  });

  it('workload identity federation without the OIDC endpoint or job token: says what the agent lacks', () => {
    assert.throws(() => readAzureRmConnection(source(wif)), /System\.OidcRequestUri/);
    assert.throws(() => readAzureRmConnection(source(wif, { 'System.OidcRequestUri': 'https://x/oidc' }, {})), /SystemVssConnection/);
  });

  it('a service principal: its secret; a certificate is refused with advice; the public cloud by default', () => {
    const sp = (extra: Record<string, string>): RawEndpoint => ({
      scheme: 'ServicePrincipal',
      parameters: { tenantid: TENANT, serviceprincipalid: CLIENT, ...extra },
    });
    const c = readAzureRmConnection(source(sp({ serviceprincipalkey: 's3cret', authenticationtype: 'spnKey' })));
    assert.equal(c.clientSecret, 's3cret');
    assert.equal(c.authorityHost, 'https://login.microsoftonline.com');
    assert.equal(c.storageSuffix, 'core.windows.net');
    assert.throws(() => readAzureRmConnection(source(sp({ authenticationtype: 'spnCertificate' }))), /certificate/);
    assert.throws(() => readAzureRmConnection(source(sp({}))), /no service principal key/);
    assert.throws(() => readAzureRmConnection(source(sp({ serviceprincipalkey: 'a\nb' }))), /line break/);
  });

  it('a managed identity needs no secret; an unknown scheme or a missing tenant is an input error', () => {
    assert.equal(readAzureRmConnection(source({ scheme: 'ManagedServiceIdentity', parameters: {} })).scheme, 'ManagedServiceIdentity');
    assert.throws(() => readAzureRmConnection(source({ scheme: 'PublishProfile', parameters: {} })), /PublishProfile/);
    assert.throws(() => readAzureRmConnection(source({ scheme: 'ServicePrincipal', parameters: { serviceprincipalid: CLIENT } })), /tenant id/);
    assert.throws(() => readAzureRmConnection({ getInput: () => '', getEndpoint: () => ({}) }), /azureSubscription/);
  });
});

import { strict as assert } from 'node:assert';
import { CONNECTION_INPUTS, readConnection } from '../../tasks/common/lcs/connection';
import { CLIENT_ID, endpoint, FakeInputs, source, assertInputError } from '../support/inputSource';

describe('connection', () => {
  describe('readConnection', () => {
    it('reads a Database Movement connection from lcsConnection', () => {
      const s = source({}, { ep1: endpoint({ url: 'https://login.microsoftonline.com/organizations/', apiUrl: 'https://lcsapi.eu.lcs.dynamics.com/' }) });
      const c = readConnection(s, 'databaseMovement');
      assert.deepEqual(c, {
        kind: 'databaseMovement',
        inputName: 'lcsConnection',
        endpointId: 'ep1',
        authority: 'https://login.microsoftonline.com/organizations',
        apiUrl: 'https://lcsapi.eu.lcs.dynamics.com',
        username: 'lcs-pipeline@contoso.com',
        password: 'p@ss word',
        clientId: CLIENT_ID,
      });
      assert.deepEqual(s.endpointReads, ['ep1']);
    });

    it('reads a Finance and Operations Tools connection from finOpsToolsConnection', () => {
      const s = new FakeInputs({ lcsConnection: 'wrong', finOpsToolsConnection: ' ep2 ' }, { ep2: endpoint(), wrong: {} });
      const c = readConnection(s, 'finOpsTools');
      assert.equal(c.kind, 'finOpsTools');
      assert.equal(c.inputName, 'finOpsToolsConnection');
      assert.equal(c.endpointId, 'ep2');
      assert.deepEqual(s.endpointReads, ['ep2']);
      assert.equal(CONNECTION_INPUTS.finOpsTools.input, 'finOpsToolsConnection');
    });

    it('names the empty connection input', () => {
      assertInputError(() => readConnection(new FakeInputs({}), 'databaseMovement'), /'lcsConnection'/, /empty/, /Service connections/);
      assertInputError(() => readConnection(new FakeInputs({ finOpsToolsConnection: '  ' }), 'finOpsTools'), /'finOpsToolsConnection'/, /finOpsTools/);
    });

    it('accepts the UsernamePassword scheme in any case, and no scheme', () => {
      for (const scheme of ['UsernamePassword', 'usernamepassword', 'USERNAMEPASSWORD', ' UsernamePassword ', '', undefined]) {
        assert.equal(readConnection(source({}, { ep1: endpoint({ scheme }) }), 'databaseMovement').username, 'lcs-pipeline@contoso.com');
      }
    });

    for (const scheme of ['ServicePrincipal', 'Token', 'None', 'OAuth']) {
      it(`rejects the ${scheme} scheme`, () => {
        assertInputError(
          () => readConnection(source({}, { ep1: endpoint({ scheme }) }), 'databaseMovement'),
          /'lcsConnection'/,
          new RegExp(scheme),
          /username and password/,
        );
      });
    }

    it('requires an authority with a tenant in its path', () => {
      for (const url of ['https://login.microsoftonline.com', 'https://login.microsoftonline.com/', 'https://login.microsoftonline.com//']) {
        assertInputError(() => readConnection(source({}, { ep1: endpoint({ url }) }), 'databaseMovement'), /no tenant/, /organizations/);
      }
    });

    it('accepts a tenant id or domain as the authority path', () => {
      const tenant = 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47';
      assert.equal(readConnection(source({}, { ep1: endpoint({ url: tenant }) }), 'databaseMovement').authority, tenant);
      const national = 'https://login.microsoftonline.us/contoso.onmicrosoft.us';
      assert.equal(readConnection(source({}, { ep1: endpoint({ url: national }) }), 'databaseMovement').authority, national);
    });

    it('rejects an http:// authentication endpoint, naming the field and https', () => {
      assertInputError(
        () => readConnection(source({}, { ep1: endpoint({ url: 'http://login.microsoftonline.com/organizations' }) }), 'databaseMovement'),
        /authentication endpoint/,
        /https:\/\//,
      );
    });

    it('rejects an http:// API URL, naming the field and https', () => {
      assertInputError(
        () => readConnection(source({}, { ep1: endpoint({ apiUrl: 'http://lcsapi.lcs.dynamics.com' }) }), 'databaseMovement'),
        /apiurl/,
        /https:\/\//,
      );
    });

    it('rejects a missing API URL', () => {
      assertInputError(
        () => readConnection(source({}, { ep1: endpoint({ apiUrl: undefined }) }), 'databaseMovement'),
        /no Lifecycle Services API endpoint \(apiurl\)/,
      );
    });

    it('requires a username', () => {
      for (const username of [undefined, '', '   ']) {
        assertInputError(() => readConnection(source({}, { ep1: endpoint({ username }) }), 'databaseMovement'), /'lcsConnection'/, /no username/);
      }
    });

    it('trims the username but keeps the password as given', () => {
      const c = readConnection(source({}, { ep1: endpoint({ username: ' u@contoso.com ', password: ' pw ' }) }), 'databaseMovement');
      assert.equal(c.username, 'u@contoso.com');
      assert.equal(c.password, ' pw ');
    });

    it('requires a password', () => {
      for (const password of [undefined, '']) {
        assertInputError(() => readConnection(source({}, { ep1: endpoint({ password }) }), 'databaseMovement'), /'lcsConnection'/, /no password/);
      }
    });

    it('requires a client id', () => {
      for (const clientId of [undefined, '', '  ']) {
        assertInputError(
          () => readConnection(source({}, { ep1: endpoint({ clientId }) }), 'databaseMovement'),
          /'lcsConnection'/,
          /no application \(client\) id/,
        );
      }
    });

    for (const clientId of [
      'not-a-guid',
      '12345678-90ab-cdef-1234-567890abcde',
      '{12345678-90ab-cdef-1234-567890abcdef}',
      '1234567890abcdef1234567890abcdef',
      '12345678-90ab-cdef-1234-567890abcdeg',
    ]) {
      it(`rejects the client id '${clientId}'`, () => {
        assertInputError(
          () => readConnection(source({}, { ep1: endpoint({ clientId }) }), 'databaseMovement'),
          /application \(client\) id/,
          /not a GUID/,
          /Application \(client\) ID/,
        );
      });
    }

    it('accepts an upper-case GUID with blanks around it', () => {
      assert.equal(
        readConnection(source({}, { ep1: endpoint({ clientId: ` ${CLIENT_ID.toUpperCase()} ` }) }), 'databaseMovement').clientId,
        CLIENT_ID.toUpperCase(),
      );
    });

    it('never puts the password in a message', () => {
      const error = assertInputError(() => readConnection(source({}, { ep1: endpoint({ password: 'Hunter2-secret', clientId: 'bad' }) }), 'databaseMovement'));
      assert.doesNotMatch(error.userMessage, /Hunter2/);
    });
  });
});

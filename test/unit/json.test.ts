import { strict as assert } from 'node:assert';
import { jsonValueCount } from '../../tasks/common/http/json';

describe('json', () => {
  describe('jsonValueCount', () => {
    for (const [json, count] of [
      ['1', 1],
      ['[]', 1],
      ['[ ]', 1],
      ['{ }', 1],
      ['[1,2,3]', 4],
      ['{"a":1,"b":[2,3]}', 5],
      ['[{},{},{}]', 4],
      ['[[[[]]]]', 4],
      ['[ {"a" : [ ] } , { } ]', 4],
      ['["a,b,{c}[d]", "e\\\\", ","]', 4],
      ['["say \\"hi, [there]\\"", 1]', 3],
      ['["\\\\\\\\", {}]', 3],
    ] as [string, number][]) {
      it(`counts the ${count} values JSON.parse builds from ${json}`, () => {
        let built = 0;
        JSON.parse(json, (_key, value: unknown) => {
          built++;
          return value;
        });
        assert.equal(built, count, "the test's own count");
        assert.equal(jsonValueCount(json), count);
      });
    }

    it('stops counting above the limit', () => {
      assert.equal(jsonValueCount(`[${'0,'.repeat(100)}0]`, 10), 11);
    });

    it('does not read past an unterminated string', () => {
      assert.equal(jsonValueCount('["abc,,,'), 2);
    });
  });
});

import { SubnetError, isSubnetError } from '../../shared/errors';

describe('SubnetError', () => {
  it('carries a code and typed context', () => {
    const e = new SubnetError('BAD_SHAPE', 'wrong shape', { expected: [1, 2] });
    expect(isSubnetError(e, 'BAD_SHAPE')).toBe(true);
    expect(isSubnetError(e, 'OTHER')).toBe(false);
    expect(e.toJSON()).toEqual({ code: 'BAD_SHAPE', message: 'wrong shape', context: { expected: [1, 2] } });
  });
});

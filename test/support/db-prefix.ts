// Every database and schema the tests create is named from this prefix, so a leftover from an
// interrupted run is easy to find and drop.
const prefix = process.env.TEST_DB_PREFIX || 'gatehouse_test';
if (!/^[a-z_][a-z0-9_]{0,30}$/.test(prefix)) throw new Error(`TEST_DB_PREFIX must be a lower-case SQL identifier of at most 31 characters, not "${prefix}"`);

export const testDbPrefix = prefix;

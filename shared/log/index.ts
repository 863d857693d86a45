export * from './interface';
export { APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS, READONLY_MIN_SCHEMA_VERSION } from './schema';
export { SqliteLogStore, openLogStore, defaultSqliteLogOptions, type SqliteLogOptions } from './sqlite';
export { encodeTensors, decodeTensors, digestTensors, digestBytes } from './tensors';

export * from './access';
export * from './alarms';
export * from './bundling';
export * from './identity-callers';
export * from './nag-suppressions';
export * from './sync-api';
export * from './sync-stack';
export * from './sync-table';

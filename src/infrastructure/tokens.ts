/** DI tokens for values that are not classes. */
export const CONFIG = Symbol('ServiceConfig');
export const EVENT_STORE = Symbol('EventStore');
export const POLICY = Symbol('RegistrationPolicy');
export const SERVICE_KEY = Symbol('ServiceKey');
/** the {@link ProcessorHost} (processors/processor.ts): /health/details lists its processors */
export const PROCESSORS = Symbol('ProcessorHost');

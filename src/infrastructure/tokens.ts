/** DI tokens for values that are not classes. */
export const CONFIG = Symbol('ServiceConfig');
export const EVENT_STORE = Symbol('EventStore');
export const POLICY = Symbol('RegistrationPolicy');
export const SERVICE_KEY = Symbol('ServiceKey');
export const FEATURES = Symbol('ServiceFeatures');

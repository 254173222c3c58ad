/** Test helper: validates Kafka records against the published JSON Schemas with ajv (draft 2020-12). */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { cloudEventHeadersSchema, integrationEventSchemas, type IntegrationEventTypeName } from '../src/integration-event.schemas.js';

export interface ReceivedRecord {
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly data: unknown;
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
const headers = ajv.compile(cloudEventHeadersSchema);
const byType = new Map(Object.entries(integrationEventSchemas).map(([t, s]) => [t, ajv.compile(s)]));

/** Returns the schema violations of one record (empty when valid). */
export function schemaErrors(r: ReceivedRecord): string[] {
  const out: string[] = [];
  if (!headers(r.headers)) out.push(`headers: ${ajv.errorsText(headers.errors)}`);
  const v = byType.get(r.headers.ce_type as IntegrationEventTypeName);
  if (!v) out.push(`no schema for type ${JSON.stringify(r.headers.ce_type)}`);
  else if (!v(r.data)) out.push(`data: ${ajv.errorsText(v.errors)}`);
  return out;
}

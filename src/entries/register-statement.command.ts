import { Command } from '@nestjs/cqrs';

export type RegistrationOutcome =
  | { readonly status: 'registered'; readonly entryId: string; readonly index: number; readonly receipt: Uint8Array }
  | { readonly status: 'pending'; readonly entryId: string };

/** Register a signed statement: answer with its receipt once durable, or `pending` when asked to, or when that takes too long. */
export class RegisterStatement extends Command<RegistrationOutcome> {
  constructor(
    readonly body: Uint8Array,
    readonly respondAsync: boolean,
    /** the HTTP request's id, for the handler's log lines */
    readonly requestId?: string,
    /** set on the leader for a node-authenticated hand-over (src/log/handover.controller.ts): admitted by node `nodeId` with issuer key `kid` */
    readonly handedOver?: { readonly nodeId: string; readonly kid: string },
  ) {
    super();
  }
}

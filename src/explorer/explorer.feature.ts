/** The explorer's controllers: the static app and the chart's aggregate endpoint (one line in AppModule). */
import { ExplorerController } from './explorer.controller.js';
import { RegistrationsController } from './registrations.controller.js';

export const EXPLORER_CONTROLLERS = [ExplorerController, RegistrationsController] as const;

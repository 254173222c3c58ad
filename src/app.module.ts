import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthGuard } from './auth/auth.guard.js';
import { HealthController } from './health/health.controller.js';
import { EntriesController } from './entries/entries.controller.js';
import { RegisterStatementHandler } from './entries/register-statement.handler.js';
import { KeysController } from './log/keys.controller.js';
import { ProcessorsController } from './processors/processors.controller.js';
import { EXPLORER_CONTROLLERS } from './explorer/explorer.feature.js';

@Module({})
export class AppModule {
  /** The runtime objects (stores, sequencer, checker …) are built by the composition root and handed in. */
  static with(providers: Provider[], controllers: Type<unknown>[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, EntriesController, KeysController, ProcessorsController, ...EXPLORER_CONTROLLERS, ...controllers],
      providers: [...providers, RegisterStatementHandler, { provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}

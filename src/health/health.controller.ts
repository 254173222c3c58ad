import { Controller, Get } from '@nestjs/common';

@Controller()
export class HealthController {
  @Get('/health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}

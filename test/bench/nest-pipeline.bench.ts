/**
 * `node dist/test/bench/nest-pipeline.bench.js` — what Nest's request pipeline costs per request on
 * a route shaped as POST /entries, against the same handler as a raw Fastify route in the same
 * Fastify instance (issue #17: serve POST /entries from a raw route if the difference is large).
 * Nest side: a controller with `@Req()`/`@Res()`, a global guard, a global exception filter and a
 * CommandBus round trip to a command handler — what EntriesController does, without the work.
 * Fastify side: a route registered on the adapter's instance, calling the same function.
 * CPU time per request through `inject` (no sockets: the pipeline alone), rounds alternated, min and
 * median printed (BENCH_REQUESTS per round, default 20,000; BENCH_ROUNDS, default 7). Then the same
 * for a GET /proofs/inclusion-shaped route (`@Query`, `@Headers`, `@Res({ passthrough })`, a
 * QueryBus round trip, a JSON answer) against a raw Fastify GET route returning the same object.
 */
import 'reflect-metadata';
import { Catch, Controller, Get, Headers, Injectable, Module, Post, Query, Req, Res, type ArgumentsHost, type CanActivate, type ExceptionFilter } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { CommandBus, CommandHandler, CqrsModule, QueryBus, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

class Register {
  constructor(readonly body: Uint8Array) {}
}

const work = (body: Uint8Array): { entryId: string } => ({ entryId: String(body.length) });

@CommandHandler(Register)
class RegisterHandler implements ICommandHandler<Register, { entryId: string }> {
  async execute(cmd: Register): Promise<{ entryId: string }> {
    return work(cmd.body);
  }
}

class Prove {
  constructor(readonly index: number) {}
}

/** GET /proofs/inclusion-shaped (issue #17 "Also"): a JSON object of a proof's size */
const proof = (index: number): object => ({ entryId: 'e'.repeat(64), leafIndex: index, treeSize: 1_000_000, leafHash: 'a'.repeat(64), root: 'b'.repeat(64), path: Array.from({ length: 20 }, () => 'c'.repeat(64)) });

@QueryHandler(Prove)
class ProveHandler implements IQueryHandler<Prove, object> {
  async execute(q: Prove): Promise<object> {
    return proof(q.index);
  }
}

@Injectable()
class AllowGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Catch()
class Filter implements ExceptionFilter {
  catch(_e: unknown, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<FastifyReply>().status(500).send();
  }
}

@Controller('entries')
class Entries {
  constructor(private readonly commands: CommandBus) {}
  @Post()
  async register(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const out = await this.commands.execute(new Register(req.body as Uint8Array));
    reply.status(201).headers({ location: `/entries/${out.entryId}`, 'content-type': 'application/cose' }).send(Buffer.from('ok'));
  }
}

@Controller('proofs')
class Proofs {
  constructor(private readonly queries: QueryBus) {}
  @Get('inclusion')
  async inclusion(@Query() q: Record<string, string>, @Headers('accept') _accept: string | undefined, @Res({ passthrough: true }) _reply: FastifyReply): Promise<object> {
    return this.queries.execute(new Prove(Number(q.index)));
  }
}

@Module({ imports: [CqrsModule], controllers: [Entries, Proofs], providers: [RegisterHandler, ProveHandler, { provide: APP_GUARD, useClass: AllowGuard }] })
class AppModule {}

const adapter = new FastifyAdapter();
const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, { logger: false, bodyParser: false });
app.useGlobalFilters(new Filter());
const fastify = adapter.getInstance();
fastify.addContentTypeParser('application/cose', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
fastify.post('/raw/entries', async (req, reply) => {
  const out = work(req.body as Uint8Array);
  return reply.status(201).headers({ location: `/entries/${out.entryId}`, 'content-type': 'application/cose' }).send(Buffer.from('ok'));
});
fastify.get('/raw/proofs/inclusion', async (req) => proof(Number((req.query as Record<string, string>).index)));
await app.init();
await fastify.ready();

const body = Buffer.alloc(1474, 7);
async function cpuPerRequest(url: string): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) {
    const r = await fastify.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/cose' } });
    if (r.statusCode !== 201) throw new Error(`${url}: ${r.statusCode}`);
  }
  const u = process.cpuUsage(start);
  return (u.user + u.system) / REQUESTS;
}

async function cpuPerGet(url: string): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) {
    const r = await fastify.inject({ method: 'GET', url: `${url}?index=${i}` });
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode}`);
  }
  const u = process.cpuUsage(start);
  return (u.user + u.system) / REQUESTS;
}

const nest: number[] = [];
const raw: number[] = [];
await cpuPerRequest('/entries');
await cpuPerRequest('/raw/entries');
for (let r = 0; r < ROUNDS; r++) {
  nest.push(await cpuPerRequest('/entries'));
  raw.push(await cpuPerRequest('/raw/entries'));
}
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (x: number): string => x.toFixed(1);
console.log(`POST /entries-shaped route, ${REQUESTS} requests × ${ROUNDS} rounds via inject, CPU µs per request (min / median):`);
console.log(`  Nest (guard, filter, @Req/@Res, CommandBus) : ${f(Math.min(...nest))} / ${f(med(nest))}`);
console.log(`  raw Fastify route, same instance            : ${f(Math.min(...raw))} / ${f(med(raw))}`);
console.log(`  Nest's pipeline costs                       : ${f(Math.min(...nest) - Math.min(...raw))} / ${f(med(nest) - med(raw))} µs per request`);
const nestGet: number[] = [];
const rawGet: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  nestGet.push(await cpuPerGet('/proofs/inclusion'));
  rawGet.push(await cpuPerGet('/raw/proofs/inclusion'));
}
console.log(`GET /proofs/inclusion-shaped route (JSON answer of a 20-node proof), same rounds:`);
console.log(`  Nest (guard, filter, @Query/@Headers/@Res, QueryBus) : ${f(Math.min(...nestGet))} / ${f(med(nestGet))}`);
console.log(`  raw Fastify route, same instance                     : ${f(Math.min(...rawGet))} / ${f(med(rawGet))}`);
console.log(`  Nest's pipeline costs                                : ${f(Math.min(...nestGet) - Math.min(...rawGet))} / ${f(med(nestGet) - med(rawGet))} µs per request`);
await app.close();

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseKafkaConfig } from './kafka.config.js';
import { KafkaConfigError } from './kafka.errors.js';

describe('parseKafkaConfig', () => {
  it('is disabled (null) without brokers', () => {
    assert.equal(parseKafkaConfig({}), null);
    assert.equal(parseKafkaConfig({ KAFKA_BROKERS: '' }), null);
    assert.equal(parseKafkaConfig({ KAFKA_BROKERS: ' , ', KAFKA_TOPIC: 'x' }), null);
  });

  it('applies the defaults', () => {
    assert.deepEqual(parseKafkaConfig({ KAFKA_BROKERS: 'localhost:9092' }), {
      brokers: ['localhost:9092'],
      topic: 'scitt-ledger.events',
      clientId: 'scitt-ledger',
      ssl: false,
      batchSize: 500,
    });
  });

  it('reads every setting', () => {
    assert.deepEqual(
      parseKafkaConfig({
        KAFKA_BROKERS: ' b1.example:9093, 10.0.0.2:9094,[::1]:9095,b1.example:9093',
        KAFKA_TOPIC: 'audit.scitt_v1',
        KAFKA_CLIENT_ID: 'ledger-eu-1',
        KAFKA_SSL: 'TRUE',
        KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'ledger',
        KAFKA_SASL_PASSWORD: 's3cret',
        KAFKA_BATCH_SIZE: '1000',
      }),
      {
        brokers: ['b1.example:9093', '10.0.0.2:9094', '[::1]:9095'],
        topic: 'audit.scitt_v1',
        clientId: 'ledger-eu-1',
        ssl: true,
        sslCaFile: '/etc/kafka/ca.pem',
        sasl: { mechanism: 'scram-sha-512', username: 'ledger', password: 's3cret' },
        batchSize: 1000,
      },
    );
    assert.equal(parseKafkaConfig({ KAFKA_BROKERS: 'h:1', KAFKA_SSL_CA_FILE: '/ca.pem' })?.ssl, true);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['broker without port', { KAFKA_BROKERS: 'localhost' }, /KAFKA_BROKERS: "localhost" is not host:port/],
    ['port 0', { KAFKA_BROKERS: 'h:0' }, /KAFKA_BROKERS/],
    ['port too large', { KAFKA_BROKERS: 'h:65536' }, /KAFKA_BROKERS/],
    ['url instead of host:port', { KAFKA_BROKERS: 'kafka://h:9092' }, /KAFKA_BROKERS/],
    ['topic with a slash', { KAFKA_BROKERS: 'h:1', KAFKA_TOPIC: 'a/b' }, /KAFKA_TOPIC/],
    ['topic ..', { KAFKA_BROKERS: 'h:1', KAFKA_TOPIC: '..' }, /KAFKA_TOPIC/],
    ['topic too long', { KAFKA_BROKERS: 'h:1', KAFKA_TOPIC: 'a'.repeat(250) }, /KAFKA_TOPIC/],
    ['client id with spaces', { KAFKA_BROKERS: 'h:1', KAFKA_CLIENT_ID: 'a b' }, /KAFKA_CLIENT_ID/],
    ['ssl not a boolean', { KAFKA_BROKERS: 'h:1', KAFKA_SSL: 'maybe' }, /KAFKA_SSL: "maybe"/],
    ['ca file with ssl off', { KAFKA_BROKERS: 'h:1', KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: '/ca' }, /KAFKA_SSL=false/],
    ['unknown mechanism', { KAFKA_BROKERS: 'h:1', KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /KAFKA_SASL_MECHANISM: "gssapi"/],
    ['mechanism without password', { KAFKA_BROKERS: 'h:1', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, /needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/],
    ['credentials without mechanism', { KAFKA_BROKERS: 'h:1', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /KAFKA_SASL_MECHANISM is not/],
    ['batch size 0', { KAFKA_BROKERS: 'h:1', KAFKA_BATCH_SIZE: '0' }, /KAFKA_BATCH_SIZE/],
    ['batch size fractional', { KAFKA_BROKERS: 'h:1', KAFKA_BATCH_SIZE: '1.5' }, /KAFKA_BATCH_SIZE/],
    ['batch size huge', { KAFKA_BROKERS: 'h:1', KAFKA_BATCH_SIZE: '9007199254740993' }, /KAFKA_BATCH_SIZE/],
  ];
  for (const [name, env, re] of bad) {
    it(`rejects ${name} with ERR_KAFKA_CONFIG naming the variable`, () => {
      assert.throws(() => parseKafkaConfig(env), (e: unknown) => e instanceof KafkaConfigError && e.code === 'ERR_KAFKA_CONFIG' && re.test(e.message) && e.message.startsWith("couldn't read"));
    });
  }
});

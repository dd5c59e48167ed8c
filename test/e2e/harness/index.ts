// The end-to-end harness: real Flink (from Maven Central jars), Prometheus and Alertmanager on 127.0.0.1.
export * from './util.js';
export * from './process.js';
export * from './provision.js';
export * from './flink-cluster.js';
export * from './flink-rest.js';
export * from './test-job.js';
export * from './prometheus.js';
export * from './alertmanager.js';
export * from './zookeeper.js';

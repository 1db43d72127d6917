import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Splits '/ensemble.v1.ModelService/Generate' into the labels Prometheus dashboards for gRPC expect. */
export function methodLabels(path: string): { grpc_service: string; grpc_method: string } {
  const [, service = 'unknown', method = 'unknown'] = path.split('/');
  return { grpc_service: service, grpc_method: method };
}

/**
 * The server-side gRPC metrics every server exposes, named as go-grpc-prometheus names them so existing
 * dashboards work, plus process metrics and a readiness gauge. Apps register their own metrics on `registry`.
 */
export class GrpcMetrics {
  readonly registry = new Registry();
  readonly started: Counter<'grpc_service' | 'grpc_method'>;
  readonly handled: Counter<'grpc_service' | 'grpc_method' | 'grpc_code'>;
  readonly handlingSeconds: Histogram<'grpc_service' | 'grpc_method'>;
  readonly inFlight: Gauge<'grpc_service' | 'grpc_method'>;
  readonly serving: Gauge;

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
    this.started = new Counter({
      name: 'grpc_server_started_total',
      help: 'RPCs started on the server.',
      labelNames: ['grpc_service', 'grpc_method'],
      registers: [this.registry],
    });
    this.handled = new Counter({
      name: 'grpc_server_handled_total',
      help: 'RPCs completed on the server, by status code.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      registers: [this.registry],
    });
    this.handlingSeconds = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time from the start of an RPC to its completion.',
      labelNames: ['grpc_service', 'grpc_method'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [this.registry],
    });
    this.inFlight = new Gauge({
      name: 'grpc_server_in_flight',
      help: 'RPCs currently being handled.',
      labelNames: ['grpc_service', 'grpc_method'],
      registers: [this.registry],
    });
    this.serving = new Gauge({
      name: 'ensemble_serving',
      help: '1 when the health service reports SERVING, else 0.',
      registers: [this.registry],
    });
  }
}

import { HealthImplementation, ServingStatus } from 'grpc-health-check';
import type { Server } from '@grpc/grpc-js';
import type { Gauge } from 'prom-client';

/**
 * The standard grpc.health.v1 service for one server. Starts NOT_SERVING; the app calls `markServing()` once
 * its models are loaded and warmed, and shutdown flips it back so load balancers drain the pod first.
 * The overall status ("") and each served service name always agree.
 */
export class HealthService {
  private readonly implementation: HealthImplementation;
  private status: ServingStatus = 'NOT_SERVING';

  constructor(
    private readonly services: string[],
    private readonly gauge?: Gauge,
  ) {
    this.implementation = new HealthImplementation(this.statusMap('NOT_SERVING'));
    this.gauge?.set(0);
  }

  addToServer(server: Server): void {
    this.implementation.addToServer(server);
  }

  markServing(): void {
    this.set('SERVING');
  }

  markNotServing(): void {
    this.set('NOT_SERVING');
  }

  isServing(): boolean {
    return this.status === 'SERVING';
  }

  private set(status: ServingStatus): void {
    this.status = status;
    for (const name of ['', ...this.services]) this.implementation.setStatus(name, status);
    this.gauge?.set(status === 'SERVING' ? 1 : 0);
  }

  private statusMap(status: ServingStatus): Record<string, ServingStatus> {
    return Object.fromEntries(['', ...this.services].map((name) => [name, status]));
  }
}

import { EventEmitter } from 'node:events';
import { Metadata, status } from '@grpc/grpc-js';
import { RequestContext, ServerCallLike } from './request-context';

class FakeCall extends EventEmitter implements ServerCallLike {
  metadata = new Metadata();
  constructor(private readonly deadline: Date | number = Infinity) {
    super();
  }
  getDeadline() {
    return this.deadline;
  }
  getPath() {
    return '/ensemble.v1.ModelService/Generate';
  }
}

describe('RequestContext', () => {
  it('takes a well-formed x-request-id from metadata and generates one otherwise', () => {
    const call = new FakeCall();
    call.metadata.set('x-request-id', 'abc-123');
    expect(RequestContext.of(call).requestId).toBe('abc-123');

    const hostile = new FakeCall();
    hostile.metadata.set('x-request-id', 'a'.repeat(200) + ' {json}');
    expect(RequestContext.of(hostile).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns the same context for the same call', () => {
    const call = new FakeCall();
    expect(RequestContext.of(call)).toBe(RequestContext.of(call));
  });

  it('aborts with CANCELLED when the client cancels', () => {
    const call = new FakeCall();
    const context = RequestContext.of(call);
    expect(context.signal.aborted).toBe(false);
    call.emit('cancelled', 'Cancelled by client');
    expect(context.signal.aborted).toBe(true);
    expect(() => context.throwIfAborted()).toThrow(expect.objectContaining({ code: status.CANCELLED }));
  });

  it('aborts when the call ends, so work still running for it stops; later events keep the first reason', () => {
    const call = new FakeCall(Date.now() + 60_000);
    const context = RequestContext.of(call);
    context.dispose();
    expect(context.signal.aborted).toBe(true);
    expect(context.signal.reason).toMatchObject({ code: status.CANCELLED, message: 'the call has ended' });
    call.emit('cancelled', 'connection closed');
    expect(context.signal.reason).toMatchObject({ message: 'the call has ended' });
  });

  it('aborts with DEADLINE_EXCEEDED once the deadline passes', async () => {
    const context = RequestContext.of(new FakeCall(Date.now() + 20));
    expect(context.remainingMs()).toBeLessThanOrEqual(20);
    await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
    expect(context.expired()).toBe(true);
    expect(() => context.throwIfAborted()).toThrow(
      expect.objectContaining({ code: status.DEADLINE_EXCEEDED }),
    );
  });

  it('reports a deadline already in the past as expired', () => {
    const context = RequestContext.of(new FakeCall(new Date(Date.now() - 1000)));
    expect(context.expired()).toBe(true);
    expect(context.remainingMs()).toBe(0);
    expect(() => context.throwIfAborted()).toThrow(
      expect.objectContaining({ code: status.DEADLINE_EXCEEDED }),
    );
  });

  it('has no deadline when the client set none', () => {
    const context = RequestContext.of(new FakeCall());
    expect(context.deadline).toBeUndefined();
    expect(context.remainingMs()).toBe(Infinity);
    expect(() => context.throwIfAborted()).not.toThrow();
  });
});

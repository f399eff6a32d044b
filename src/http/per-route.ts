import type { ExecutionContext } from '@nestjs/common';

/**
 * A value worked out once per route (controller class and handler) and then
 * reused for every request to it, for what guards read from route metadata:
 * metadata is fixed once the application starts, and reading it through the
 * reflector on every request is a visible share of a fast request.
 */
type Handler = ReturnType<ExecutionContext['getHandler']>;
type Controller = ReturnType<ExecutionContext['getClass']>;

export class PerRoute<T> {
  private readonly values = new WeakMap<object, WeakMap<object, T>>();

  constructor(private readonly compute: (handler: Handler, controller: Controller) => T) {}

  of(context: ExecutionContext): T {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.values.get(controller);
    if (byHandler === undefined) {
      byHandler = new WeakMap();
      this.values.set(controller, byHandler);
    }
    if (byHandler.has(handler)) return byHandler.get(handler) as T;
    const value = this.compute(handler, controller);
    byHandler.set(handler, value);
    return value;
  }
}

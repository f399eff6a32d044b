import type { ExecutionContext } from '@nestjs/common';
import { PerRoute } from './per-route';

class Parent {
  read(): void {}
  write(): void {}
}
class Child extends Parent {}

const contextOf = (controller: object, handler: () => void): ExecutionContext =>
  ({ getClass: () => controller, getHandler: () => handler }) as unknown as ExecutionContext;

describe('PerRoute', () => {
  it('works a value out once per controller and handler, then reuses it', () => {
    const compute = jest.fn(
      (handler: { name: string }, controller: { name: string }) =>
        `${controller.name}.${handler.name}`,
    );
    const perRoute = new PerRoute(compute);
    const { read, write } = Parent.prototype;
    expect(perRoute.of(contextOf(Parent, read))).toBe('Parent.read');
    expect(perRoute.of(contextOf(Parent, read))).toBe('Parent.read');
    expect(perRoute.of(contextOf(Parent, write))).toBe('Parent.write');
    // An inherited handler is the same function on another controller, whose
    // class-level metadata may differ.
    expect(perRoute.of(contextOf(Child, read))).toBe('Child.read');
    expect(compute).toHaveBeenCalledTimes(3);
  });

  it('keeps an undefined value as worked out, without working it out again', () => {
    const compute = jest.fn(() => undefined);
    const perRoute = new PerRoute(compute);
    perRoute.of(contextOf(Parent, Parent.prototype.read));
    perRoute.of(contextOf(Parent, Parent.prototype.read));
    expect(compute).toHaveBeenCalledTimes(1);
  });
});

/** Raised by a store adapter when its backend does not answer; answered with 503. */
export class StoreUnavailableError extends Error {
  constructor(message = 'Cache store unavailable', options?: ErrorOptions) {
    super(message, options);
    this.name = StoreUnavailableError.name;
  }
}

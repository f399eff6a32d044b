import { Injectable } from '@nestjs/common';

/** A quote as the host app serves it. */
export interface Quote {
  id: string;
  text: string;
  author: string;
}

const QUOTES: readonly Quote[] = [
  { id: 'knuth', text: 'Premature optimization is the root of all evil.', author: 'Donald Knuth' },
  {
    id: 'karlton',
    text: 'There are only two hard things in Computer Science: cache invalidation and naming things.',
    author: 'Phil Karlton',
  },
  {
    id: 'hoare',
    text: 'Inside every large program is a small program struggling to get out.',
    author: 'Tony Hoare',
  },
];

/**
 * The host app's own data, standing in for a slow source (a database, another
 * service) that the cache spares. It counts its look-ups, so that tests can
 * tell a cached answer from a fresh one.
 */
@Injectable()
export class QuoteCatalogue {
  private lookups = 0;

  /** The quote with `id`, or `undefined`. */
  find(id: string): Quote | undefined {
    this.lookups += 1;
    return QUOTES.find((quote) => quote.id === id);
  }

  /** Look-ups made since start-up. */
  lookupCount(): number {
    return this.lookups;
  }
}

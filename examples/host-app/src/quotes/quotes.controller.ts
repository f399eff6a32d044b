import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { CacheService } from 'lapse';
import { QuoteCatalogue } from './quote-catalogue';
import type { Quote } from './quote-catalogue';

/** How long a quote stays in Lapse's cache. */
const QUOTE_TTL_MS = 60_000;

/** A quote, and whether it came from Lapse's cache. */
export interface QuoteResponse extends Quote {
  cached: boolean;
}

/**
 * The host app's own routes, reading through Lapse's `CacheService` (the one
 * behind `/cache`): a quote is looked up once, then served from the cache
 * until it expires. Its entries are Lapse resources like any other, so they
 * can be read, listed by their `quotes` tag and purged under `/cache`.
 */
@Controller('quotes')
export class QuotesController {
  constructor(
    private readonly cache: CacheService,
    private readonly catalogue: QuoteCatalogue,
  ) {}

  @Get(':id')
  async findOne(@Param('id') id: string): Promise<QuoteResponse> {
    const key = `quote:${id}`;
    const cached = await this.cache.get<Quote>(key);
    if (cached) return { ...cached.value, cached: true };
    const quote = this.catalogue.find(id);
    if (!quote) throw new NotFoundException(`No quote ${id}`);
    await this.cache.set(key, quote, { ttlMs: QUOTE_TTL_MS, tags: ['quotes'] });
    return { ...quote, cached: false };
  }
}

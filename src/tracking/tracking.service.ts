import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { ResourcesService } from '../resources/resources.service';
import { TrackingStore } from './tracking-store';
import type { InteractionSummary, TopResource } from './tracking-store';

/** The interaction type recorded when a client names none. */
export const DEFAULT_INTERACTION_TYPE = 'view';

/** An interaction to record. */
export interface Interaction {
  resourceId: string;
  type?: string;
  /** When present, the resource is cached (or refreshed) with it, as `PUT` would. */
  data?: unknown;
  /** Time-to-live of `data`, in seconds. */
  ttl?: number;
}

/** What recording an interaction answers. */
export interface RecordedInteraction {
  resourceId: string;
  type: string;
  /** All interactions of the resource so far, this one included. */
  total: number;
}

/** Counts how resources are used, and keeps the cache fresh when interactions carry data. */
@Injectable()
export class TrackingService {
  /** Interactions recorded by this process, for its own metrics. */
  private recordedHere = 0;

  constructor(
    @Inject(TrackingStore) private readonly store: TrackingStore,
    private readonly resources: ResourcesService,
  ) {}

  /** Records one interaction, caching its data first when it carries some. */
  async record({
    resourceId,
    type = DEFAULT_INTERACTION_TYPE,
    data,
    ttl,
  }: Interaction): Promise<RecordedInteraction> {
    if (data !== undefined) await this.resources.put(resourceId, { data, ttl });
    const total = await this.store.record(resourceId, type, Date.now());
    this.recordedHere += 1;
    return { resourceId, type, total };
  }

  /** Counts of one resource; a 404 when it was never tracked. */
  async summary(resourceId: string): Promise<InteractionSummary> {
    const summary = await this.store.summary(resourceId);
    if (!summary) {
      throw new NotFoundException(`No interactions tracked for ${JSON.stringify(resourceId)}`);
    }
    return summary;
  }

  /** The most-interacted resources, highest first. */
  top(limit: number): Promise<TopResource[]> {
    return this.store.top(limit);
  }

  /** Interactions recorded by this process since it started. */
  get recordedByThisProcess(): number {
    return this.recordedHere;
  }

  /** Every interaction recorded so far. */
  countInteractions(): Promise<number> {
    return this.store.countInteractions();
  }
}

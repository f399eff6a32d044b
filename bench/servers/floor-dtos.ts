import { IsDefined, IsInt, IsOptional, IsString, Length, Min } from 'class-validator';

/** A PUT body as the floors validate it: data required, an optional positive ttl. */
export class FloorPutDto {
  @IsDefined()
  data!: unknown;

  @IsOptional()
  @IsInt()
  @Min(1)
  ttl?: number;
}

/** An interaction as the floors validate it. */
export class FloorInteractionDto {
  @IsString()
  @Length(1, 1024)
  resourceId!: string;

  @IsOptional()
  @IsString()
  type?: string;
}

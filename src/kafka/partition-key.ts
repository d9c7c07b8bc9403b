/**
 * One key per topic partition, for the maps the sink, the producers' acknowledgement check, the drain and the lag
 * tracker keep per partition. The separator is NUL, which no topic name can hold, so the keys of one topic never
 * run into another's (`toll` and `toll.passages`) and a topic's own keys share a prefix.
 */
export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** The start every partitionKey of `topic` shares, and no other topic's. */
export const partitionKeyPrefix = (topic: string): string => `${topic}\u0000`;

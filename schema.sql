-- tollstream schema: the source of truth for MySQL 8.x and MariaDB 10.11.
-- Idempotent: every statement can run again on an existing database. Times are UTC.
-- Runs as the MySQL image's init script in docker-compose.yml and through `tollstream stack up`.

CREATE DATABASE IF NOT EXISTS tollstream CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE tollstream;

CREATE TABLE IF NOT EXISTS schema_version (
  id TINYINT NOT NULL PRIMARY KEY,
  version INT NOT NULL,
  applied_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS plazas (
  plaza_id SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
  code VARCHAR(32) NOT NULL,
  name VARCHAR(128) NOT NULL,
  lanes TINYINT UNSIGNED NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  -- Optional reference data of the plaza message (version 4): the toll per vehicle class in the currency's
  -- minor unit, as JSON ({"car": 450, "truck": 1275}), and the plaza's position (WGS 84 degrees).
  tariffs TEXT NULL,
  currency CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
  latitude DOUBLE NULL,
  longitude DOUBLE NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS passages (
  event_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  plaza_id SMALLINT UNSIGNED NOT NULL,
  lane TINYINT UNSIGNED NULL,
  vehicle_id VARCHAR(32) NOT NULL,
  vehicle_type VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  axles TINYINT UNSIGNED NULL,
  passed_at DATETIME(3) NOT NULL,
  source VARCHAR(64) NULL,
  kafka_topic VARCHAR(249) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  kafka_partition INT NOT NULL,
  kafka_offset BIGINT NOT NULL,
  ingested_at DATETIME(3) NOT NULL,
  KEY passages_plaza_time (plaza_id, passed_at),
  KEY passages_vehicle_time (vehicle_id, passed_at),
  KEY passages_time (passed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS payments (
  payment_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  event_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  plaza_id SMALLINT UNSIGNED NOT NULL,
  method VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  amount_cents INT UNSIGNED NOT NULL,
  currency CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  paid_at DATETIME(3) NOT NULL,
  kafka_partition INT NOT NULL,
  kafka_offset BIGINT NOT NULL,
  ingested_at DATETIME(3) NOT NULL,
  KEY payments_event (event_id),
  KEY payments_plaza_time (plaza_id, paid_at),
  KEY payments_time (paid_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Next offset to read per consumer group, topic and partition, written in the same transaction as the rows.
-- topic_id is the incarnation of the topic that next_offset counts in (Kafka's topic id): a topic deleted and
-- created again has a new id and is read from its beginning. NULL: written before incarnations were recorded
-- (the sink adopts the current one when that is safe) or a broker without topic ids (before Kafka 2.8).
CREATE TABLE IF NOT EXISTS sink_offsets (
  group_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  topic VARCHAR(249) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  kafka_partition INT NOT NULL,
  next_offset BIGINT NOT NULL,
  topic_id CHAR(22) CHARACTER SET ascii COLLATE ascii_bin NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (group_id, topic, kafka_partition)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A replace run (`--replace`) stages a file's rows here instead of in passages and payments: the sink writes them
-- in the same transaction as sink_offsets, under the run's stage_id (<import id>:<run id>). Once the run has
-- persisted the whole file, one transaction swaps them for the rows the earlier import of the file wrote (the
-- event ids starting with "<import id>-"); a run that fails deletes them and the live tables stay as they were.
CREATE TABLE IF NOT EXISTS passages_staging (
  stage_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  plaza_id SMALLINT UNSIGNED NOT NULL,
  lane TINYINT UNSIGNED NULL,
  vehicle_id VARCHAR(32) NOT NULL,
  vehicle_type VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  axles TINYINT UNSIGNED NULL,
  passed_at DATETIME(3) NOT NULL,
  source VARCHAR(64) NULL,
  kafka_topic VARCHAR(249) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  kafka_partition INT NOT NULL,
  kafka_offset BIGINT NOT NULL,
  ingested_at DATETIME(3) NOT NULL,
  PRIMARY KEY (stage_id, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS payments_staging (
  stage_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  payment_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  plaza_id SMALLINT UNSIGNED NOT NULL,
  method VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  amount_cents INT UNSIGNED NOT NULL,
  currency CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  paid_at DATETIME(3) NOT NULL,
  kafka_partition INT NOT NULL,
  kafka_offset BIGINT NOT NULL,
  ingested_at DATETIME(3) NOT NULL,
  PRIMARY KEY (stage_id, payment_id),
  KEY payments_staging_event (stage_id, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per replace run. state: staging (the sink accepts its rows), replaced (swapped; the counts say what
-- for what) or abandoned (failed or superseded; reason says why, its staged rows are deleted and no more are
-- accepted).
CREATE TABLE IF NOT EXISTS imports (
  stage_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  import_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  run_id VARCHAR(63) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  source VARCHAR(2048) NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  passages_removed INT UNSIGNED NULL,
  passages_inserted INT UNSIGNED NULL,
  payments_removed INT UNSIGNED NULL,
  payments_inserted INT UNSIGNED NULL,
  started_at DATETIME(3) NOT NULL,
  replaced_at DATETIME(3) NULL,
  ended_at DATETIME(3) NULL,
  reason VARCHAR(1024) NULL,
  KEY imports_import (import_id, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Rollups (version 4): per plaza, per minute and per hour (UTC bucket start), written by the sink in the same
-- transaction as the rows they count, so they are exactly once too. Saved queries, the anomaly baselines and the
-- monitor's charts read these instead of scanning passages and payments.
CREATE TABLE IF NOT EXISTS traffic_minute (
  plaza_id SMALLINT UNSIGNED NOT NULL,
  bucket DATETIME NOT NULL,
  vehicle_type VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  passages INT UNSIGNED NOT NULL,
  PRIMARY KEY (plaza_id, bucket, vehicle_type),
  KEY traffic_minute_bucket (bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS traffic_hour (
  plaza_id SMALLINT UNSIGNED NOT NULL,
  bucket DATETIME NOT NULL,
  vehicle_type VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  passages INT UNSIGNED NOT NULL,
  PRIMARY KEY (plaza_id, bucket, vehicle_type),
  KEY traffic_hour_bucket (bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS revenue_minute (
  plaza_id SMALLINT UNSIGNED NOT NULL,
  bucket DATETIME NOT NULL,
  method VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  currency CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  payments INT UNSIGNED NOT NULL,
  amount_cents BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (plaza_id, bucket, method, currency),
  KEY revenue_minute_bucket (bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS revenue_hour (
  plaza_id SMALLINT UNSIGNED NOT NULL,
  bucket DATETIME NOT NULL,
  method VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  currency CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  payments INT UNSIGNED NOT NULL,
  amount_cents BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (plaza_id, bucket, method, currency),
  KEY revenue_hour_bucket (bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Findings of the anomaly detector (version 4), one row each: anomaly_id is derived from what was found (rule and
-- the passage, payment or plaza window), so finding it again after a restart changes nothing. observed_at is
-- event time. published_at: when the finding was acknowledged on toll.anomalies (NULL: not yet).
CREATE TABLE IF NOT EXISTS anomalies (
  anomaly_id VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  rule VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  plaza_id SMALLINT UNSIGNED NULL,
  vehicle_id VARCHAR(32) NULL,
  event_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  related_event_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  observed_at DATETIME(3) NOT NULL,
  amount_cents BIGINT NULL,
  expected DOUBLE NULL,
  observed DOUBLE NULL,
  details TEXT NULL,
  detected_at DATETIME(3) NOT NULL,
  published_at DATETIME(3) NULL,
  KEY anomalies_time (observed_at),
  KEY anomalies_rule_time (rule, observed_at),
  KEY anomalies_plaza_time (plaza_id, observed_at),
  KEY anomalies_vehicle (vehicle_id),
  KEY anomalies_unpublished (published_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The detector's position per topic partition, written in the same transaction as its findings: next_offset is
-- the first record not yet processed, replay_from the oldest record its in-memory state still depends on (a
-- restart reads again from there to rebuild the state; the findings it makes again are already rows), and
-- watermark_ms the event time (epoch ms) its decisions had reached then (the same in every row of a commit).
CREATE TABLE IF NOT EXISTS detector_offsets (
  group_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  topic VARCHAR(249) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  kafka_partition INT NOT NULL,
  next_offset BIGINT NOT NULL,
  replay_from BIGINT NOT NULL,
  watermark_ms BIGINT NULL,
  topic_id CHAR(22) CHARACTER SET ascii COLLATE ascii_bin NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (group_id, topic, kafka_partition)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The column names of the classic toll pipeline, so its queries keep working.
CREATE OR REPLACE VIEW livetolldata AS
  SELECT passed_at AS `timestamp`, vehicle_id, vehicle_type, plaza_id AS toll_plaza_id
  FROM passages;

-- Bump the number with every change to this file; `stack status` reports it.
-- Version 2: sink_offsets.topic_id (src/storage/schema.ts adds it to databases of version 1).
-- Version 3: passages_staging, payments_staging and imports (created above in databases of version 2).
-- Version 4: plazas.tariffs/currency/latitude/longitude (added by src/storage/schema.ts to older databases), the
-- rollup tables, anomalies and detector_offsets. Rollups of rows written before version 4 are filled in by the
-- upgrade step from passages and payments, once.
INSERT INTO schema_version (id, version, applied_at) VALUES (1, 4, UTC_TIMESTAMP(3))
  ON DUPLICATE KEY UPDATE applied_at = IF(version = 4, applied_at, UTC_TIMESTAMP(3)), version = 4;

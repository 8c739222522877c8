-- Who ran each deploy step or switch, and the colour production left on a switch, so that
-- `echobase history` says who moved production from which colour to which. Expand-only and
-- re-runnable, like every migration.
ALTER TABLE deployments
  ADD COLUMN IF NOT EXISTS from_colour VARCHAR(8) NULL AFTER colour,
  ADD COLUMN IF NOT EXISTS actor VARCHAR(128) NULL AFTER build_id;

ALTER TABLE deployments
  DROP CONSTRAINT IF EXISTS ck_deployments_from_colour;
ALTER TABLE deployments
  ADD CONSTRAINT ck_deployments_from_colour
    CHECK (from_colour IS NULL OR from_colour IN ('blue', 'green'));

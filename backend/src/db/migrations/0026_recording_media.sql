ALTER TABLE "recordings" ADD COLUMN "media" "call_media";--> statement-breakpoint
-- Recordings made before this column: their meeting type's media now (the best record there is).
UPDATE "recordings" AS r SET "media" = mt."media" FROM "calls" AS c JOIN "meeting_types" AS mt ON mt."id" = c."meeting_type_id" WHERE c."id" = r."call_id";--> statement-breakpoint
ALTER TABLE "recordings" ALTER COLUMN "media" SET NOT NULL;

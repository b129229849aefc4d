DROP INDEX "agents_tenant_username_uq";--> statement-breakpoint
DROP INDEX "user_groups_tenant_name_uq";--> statement-breakpoint
CREATE UNIQUE INDEX "agents_tenant_username_uq" ON "agents" USING btree ("tenant_id",lower("user_name"));--> statement-breakpoint
CREATE UNIQUE INDEX "user_groups_tenant_name_uq" ON "user_groups" USING btree ("tenant_id",lower("display_name"));
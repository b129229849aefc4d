import { boolean, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const tenants = pgTable('tenants', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull(),
  /** Who the controller is, as the privacy notice names them (GDPR Art. 13(1)(a)-(b)). */
  controllerName: text(),
  controllerContact: text(),
  dpoContact: text(),
  privacyPolicyUrl: text(),
  /** Another way to reach the controller for customers who decline a recorded call. */
  alternativeContact: text(),
  defaultLanguage: text().notNull().default('en'),
  storageLocation: text().notNull().default('European Union'),
  /** Regions recordings may be written to; a storage location outside them is refused. */
  allowedRegions: text().array().notNull().default(['eu']),
  /** Zendesk messaging postback buttons need Suite Professional or higher: off until the admin says so. */
  messagingPostbacks: boolean().notNull().default(false),
  /** When an admin finished the set-up wizard; null: the account is still being set up. */
  onboardedAt: timestamp({ withTimezone: true }),
  /** Nothing is recorded until an admin switches recording on; null: off. */
  recordingEnabledAt: timestamp({ withTimezone: true }),
  /** Wizard steps with nothing to fill in that an admin has looked at and accepted (e.g. "retention"). */
  onboardingReviewed: text().array().notNull().default([]),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

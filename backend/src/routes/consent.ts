import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { parseAccept } from 'hono/utils/accept';
import { DomainError } from '../errors.js';
import { consentErrorPage, consentJoinAgainPage, consentPage, consentResultPage, type ConsentQuestion } from '../http/consent-page.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import { decisionInput, recordConsentDecision } from '../services/consent/record-decision.js';
import { mayReissueJoinLink, reissueJoinLink } from '../services/consent/reissue-join-link.js';
import { consentLinkLanguage, viewConsent } from '../services/consent/view.js';
import type { ServiceDeps } from '../services/deps.js';
import { pickLanguage } from '../services/notices/language.js';
import { locales } from '../services/notices/locales/index.js';
import { errors, json } from './schemas.js';

const tokenParam = z.object({
  token: z
    .string()
    .regex(/^[\w-]{20,100}$/, 'not a consent token')
    .openapi({ param: { name: 'token', in: 'path' } }),
});

/** What the no-script form posts: strings, checked by hand so a missing choice re-renders the page. */
const decisionForm = z.object({
  noticeVersionId: z.string().optional(),
  join: z.enum(['true', 'false']).optional(),
  recording: z.enum(['true', 'false']).optional(),
  lang: z.string().max(10).optional(),
  /** Sent by the page offered to a customer who said yes and is not in the call yet. */
  rejoin: z.literal('true').optional(),
});

const decisionResult = z
  .object({
    callId: z.uuid(),
    join: z.boolean(),
    recording: z.enum(['granted', 'declined', 'required', 'not_recorded']).nullable(),
    language: z.string(),
    joinUrl: z.url().nullable(),
  })
  .openapi('ConsentDecision');

const decideRoute = createRoute({
  method: 'post',
  path: '/api/consent/{token}',
  summary: "Record the customer's consent decision",
  description:
    'JSON here. The consent page posts the same decision as application/x-www-form-urlencoded (noticeVersionId, join, recording, lang) and gets pages and a 303 redirect back.',
  request: {
    params: tokenParam,
    body: {
      required: true,
      content: {
        'application/json': { schema: decisionInput.openapi('ConsentDecisionRequest') },
      },
    },
  },
  responses: {
    200: json(decisionResult, 'Decision recorded'),
    303: { description: 'Form post: redirect to the join page after a "yes"' },
    400: errors[400],
    403: errors[403],
    404: errors[404],
    409: errors[409],
    410: errors[410],
  },
});

const noticeSection = z.object({
  key: z.string(),
  heading: z.string(),
  paragraphs: z.array(z.string()),
  link: z.object({ text: z.string(), href: z.string() }).optional(),
});

const viewRoute = createRoute({
  method: 'get',
  path: '/api/consent/{token}',
  summary: 'The notice and choices a consent link offers, in the customer’s language',
  request: { params: tokenParam, query: z.object({ lang: z.string().max(10).optional() }) },
  responses: {
    200: json(
      z
        .object({
          language: z.string(),
          noticeVersionId: z.uuid(),
          noticeVersion: z.number().int(),
          noticeHash: z.string(),
          notice: z.object({ title: z.string(), intro: z.string(), summary: z.string(), sections: z.array(noticeSection) }),
          choices: z.object({ askRecording: z.boolean(), recordingRequiredByLaw: z.boolean() }),
          answerPath: z.enum(['link', 'teams_card']).openapi({
            description: 'link: this link answers (POST /api/consent/{token}). teams_card: an offer made in a Teams chat, answered only with the buttons on its card; POST answers 403 CONSENT_ANSWER_IN_TEAMS.',
          }),
        })
        .openapi('ConsentView'),
      'The notice',
    ),
    404: errors[404],
    409: errors[409],
    410: errors[410],
  },
});

/**
 * The consent page's address and query. A malformed token is a link that does not exist; a
 * language choice that is not a plausible language tag is ignored, as an unshipped one is.
 */
const consentPageRequest = z.object({ token: tokenParam.shape.token, lang: z.string().max(10).optional().catch(undefined) });

const languagesOf = (c: Context<AppEnv>) => parseAccept(c.req.header('accept-language') ?? '').map((a) => a.type);

export function consentRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use('/api/consent/:token', formDecision(deps));
  app.get('/c/:token', async (c) => {
    c.header('Cache-Control', 'no-store');
    const request = consentPageRequest.safeParse({ token: c.req.param('token'), lang: c.req.query('lang') });
    if (!request.success) return c.html(consentErrorPage(locales[pickLanguage(languagesOf(c), 'en')], 'CONSENT_NOT_FOUND'), 404);
    const { token, lang } = request.data;
    try {
      const view = await viewConsent(deps, token, { chosen: lang, acceptLanguages: languagesOf(c) });
      return c.html(consentPage(view, token));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const t = locales[await consentLinkLanguage(deps, token, { chosen: lang, acceptLanguages: languagesOf(c) })];
      // Back on the link after saying yes, but not in the call yet: offer the way in again.
      if (error.code === 'CONSENT_ALREADY_DECIDED' && (await mayReissueJoinLink(deps.db, token, 'link'))) {
        return c.html(consentJoinAgainPage(t, `/api/consent/${token}`), 200);
      }
      return c.html(consentErrorPage(t, error.code), error.status);
    }
  });

  return app
    .openapi(viewRoute, async (c) => {
      const view = await viewConsent(deps, c.req.valid('param').token, { chosen: c.req.valid('query').lang, acceptLanguages: languagesOf(c) });
      const { language, noticeVersionId, noticeVersion, noticeHash, notice, choices, answerPath } = view;
      return c.json({ language, noticeVersionId, noticeVersion, noticeHash, notice, choices, answerPath }, 200);
    })
    .openapi(decideRoute, async (c) => c.json(await recordConsentDecision(deps, c.req.valid('param').token, c.req.valid('json')), 200));
}

/** The consent page's form post: answered with pages and redirects, never JSON. */
function formDecision(deps: ServiceDeps) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (c.req.method !== 'POST' || mediaType !== 'application/x-www-form-urlencoded') return next();
    const token = c.req.param('token') ?? '';
    // A body that is not the form it claims to be is an incomplete answer, asked again below.
    const fields = await c.req.parseBody().catch(() => ({}));
    const parsed = decisionForm.safeParse(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])));
    const form = parsed.success ? parsed.data : {};
    const answers: Partial<Record<ConsentQuestion, boolean>> = {};
    if (form.join !== undefined) answers.join = form.join === 'true';
    if (form.recording !== undefined) answers.recording = form.recording === 'true';
    if (form.rejoin) {
      try {
        return c.redirect((await reissueJoinLink(deps, token, 'link')).joinUrl, 303);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const t = locales[await consentLinkLanguage(deps, token, { chosen: form.lang, acceptLanguages: languagesOf(c) })];
        return c.html(consentErrorPage(t, error.code), error.status);
      }
    }
    try {
      const outcome = await recordConsentDecision(deps, token, { noticeVersionId: form.noticeVersionId, ...answers });
      if (outcome.joinUrl) return c.redirect(outcome.joinUrl, 303);
      return c.html(consentResultPage(locales[pickLanguage([form.lang, outcome.language], 'en')], outcome), 200);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // "Join" sent again (a second tap, the Back button): the yes stands, and a fresh join link
      // replaces the one not used yet. Anything else about a decided link is said on the page.
      if (error.code === 'CONSENT_ALREADY_DECIDED' && answers.join === true) {
        const again = await reissueJoinLink(deps, token, 'link').catch((refused: unknown) => {
          if (refused instanceof DomainError) return null;
          throw refused;
        });
        if (again) return c.redirect(again.joinUrl, 303);
      }
      if (error.status === 400 || error.code === 'NOTICE_VERSION_MISMATCH') {
        const view = await viewConsent(deps, token, { chosen: form.lang, acceptLanguages: languagesOf(c) });
        if (error.code === 'NOTICE_VERSION_MISMATCH') return c.html(consentPage(view, token, { message: view.texts.page.noticeChanged, missing: [], answers: {} }), error.status);
        // Recording needs an answer only from someone who joins.
        const missing: ConsentQuestion[] = [];
        if (answers.join === undefined) missing.push('join');
        if (view.choices.askRecording && answers.join !== false && answers.recording === undefined) missing.push('recording');
        return c.html(consentPage(view, token, { message: view.texts.page.answerEachQuestion, missing, answers }), error.status);
      }
      const t = locales[await consentLinkLanguage(deps, token, { chosen: form.lang, acceptLanguages: languagesOf(c) })];
      return c.html(consentErrorPage(t, error.code), error.status);
    }
  });
}

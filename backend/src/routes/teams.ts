import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { ParleyActivityHandler, type ConsentDecisionAnswer, type ConsentDecisionRequest } from '../adapters/teams/activity-handler.js';
import type { TeamsBot } from '../adapters/teams/bot.js';
import { BufferedBotResponse, botRequest } from '../adapters/teams/http-shim.js';
import { DomainError } from '../errors.js';
import type { AppEnv } from '../http/context.js';
import { errorBody } from '../http/errors.js';
import { isConsentSubject } from '../services/consent/is-consent-subject.js';
import { recordConsentDecision } from '../services/consent/record-decision.js';
import { viewConsent } from '../services/consent/view.js';
import type { ServiceDeps } from '../services/deps.js';
import { pickLanguage } from '../services/notices/language.js';
import { teamsRecordingPageUrl } from '../services/recordings/viewer-links.js';
import { locales } from '../services/notices/locales/index.js';
import { consentRefreshCard, queueDecidedCard } from '../services/teams/decided-card.js';
import { chatEscalationOptions, escalateChat } from '../services/teams/escalate-from-chat.js';
import { rememberTeamsConversation } from '../services/teams/remember-conversation.js';
import { errors, json } from './schemas.js';

const activitySchema = z
  .looseObject({
    type: z.string().min(1),
    channelId: z.string().optional(),
    serviceUrl: z.string().optional(),
  })
  .openapi('BotActivity', { description: 'A Bot Framework activity (https://aka.ms/botSpecs-activitySchema).' });

const messagesRoute = createRoute({
  method: 'post',
  path: '/api/messages',
  summary: 'Microsoft Teams bot endpoint (Bot Framework activities)',
  description:
    'Called by the Bot Framework Service with a Bot Framework JWT in Authorization when a bot app id is configured. ' +
    'Invoke activities (adaptiveCard/action) are answered with an invoke response; activities sent with deliveryMode "expectReplies" with { activities }.',
  request: { body: { required: true, content: { 'application/json': { schema: activitySchema } } } },
  responses: {
    200: json(z.record(z.string(), z.unknown()), 'Turn handled; the body is the invoke response or the expected replies, if any'),
    400: errors[400],
    401: { description: 'Missing or invalid Bot Framework token', content: errors[401].content },
    413: { description: 'Larger than any Bot Framework activity', content: errors[400].content },
    500: { description: 'The turn failed', content: errors[400].content },
  },
});

/** Bot Framework caps activities far below this; anything bigger is not from Teams. */
const MAX_ACTIVITY_BYTES = 256 * 1024;

export function teamsRoutes(deps: ServiceDeps, bot: TeamsBot) {
  const handler = new ParleyActivityHandler(
    {
      conversationSeen: async (seen) => {
        await rememberTeamsConversation(deps.db, seen);
      },
      consentDecision: (request) => decideFromCard(deps, request),
      consentRefresh: (request) => consentRefreshCard(deps, request),
      escalationOptions: (escalation) => chatEscalationOptions(deps, escalation),
      escalate: (escalation, answer) => escalateChat(deps, escalation, answer),
      recordingViewerUrl: (recordingId) => teamsRecordingPageUrl(deps.publicBaseUrl, recordingId),
    },
    deps.logger,
  );
  const app = new OpenAPIHono<AppEnv>();
  app.use('/api/messages', bodyLimit({ maxSize: MAX_ACTIVITY_BYTES, onError: (c) => c.json(errorBody(c, 'PAYLOAD_TOO_LARGE', 'Activity too large.'), 413) }));

  // Documented in the OpenAPI registry but served as a plain route: the answer is whatever
  // CloudAdapter wrote (invoke response, expected replies, empty), not one typed shape.
  app.openAPIRegistry.registerPath(messagesRoute);
  app.post('/api/messages', async (c) => {
    // Spares CloudAdapter the common unauthenticated probe, which it would also print to stderr.
    if (bot.authEnabled && !c.req.header('authorization')) return c.json(errorBody(c, 'UNAUTHORIZED', 'Bot Framework token required.'), 401);
    const activity = activitySchema.safeParse(await c.req.json().catch(() => undefined));
    if (!activity.success) return c.json(errorBody(c, 'VALIDATION_FAILED', 'The body is not a Bot Framework activity.'), 400);

    const response = new BufferedBotResponse();
    let failure: unknown;
    await bot.adapter.process(botRequest('POST', c.req.raw.headers, activity.data), response, async (context) => {
      // Caught here, not in CloudAdapter, which would print the error and send its text to the caller.
      try {
        await handler.run(context);
      } catch (error) {
        failure = error;
      }
    });
    if (failure !== undefined) {
      deps.logger.error({ err: failure, requestId: c.get('requestId') }, 'teams: turn failed');
      return c.json(errorBody(c, 'INTERNAL', 'Something went wrong on our side.'), 500);
    }
    // CloudAdapter's own 401 carries the verifier's reason as text; callers get the usual envelope.
    if (response.sentStatus === 401) return c.json(errorBody(c, 'UNAUTHORIZED', 'Invalid Bot Framework token.'), 401);
    return response.toResponse();
  });
  return app;
}

/**
 * A click on the consent card: record it, or say in the customer's language why
 * not. A missing answer or a changed notice shows the card again, as the consent
 * page does.
 */
async function decideFromCard(deps: ServiceDeps, request: ConsentDecisionRequest): Promise<ConsentDecisionAnswer> {
  const { token } = request;
  // In a group chat the agent sees the card too: only the invited customer decides with it.
  const ids = [request.from.id, request.from.aadObjectId].filter((id): id is string => typeof id === 'string');
  if ((await isConsentSubject(deps.db, token, ids)) === false) return { kind: 'not_for_you', language: request.language };
  let refusal: DomainError;
  try {
    const outcome = await recordConsentDecision(deps, token, { noticeVersionId: request.noticeVersionId, join: request.join, recording: request.recording }, 'teams_card');
    const language = pickLanguage([outcome.language], request.language);
    // The presser's card shows their answer at once; everyone else's card is replaced through the outbox.
    if (request.from.id) {
      await queueDecidedCard(deps.db, { callId: outcome.callId, token, join: outcome.join, language, customerTeamsId: request.from.id }).catch((error: unknown) => {
        deps.logger.warn({ err: error, callId: outcome.callId }, 'teams: could not queue the decided card for the chat');
      });
    }
    // An answer every member of the chat reads (an older client's reply message) must not carry
    // the join link: the customer's own client gets it from the replaced card's Join button.
    return { kind: 'decided', language, join: outcome.join, joinUrl: request.answerSeenByAll ? null : outcome.joinUrl };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    refusal = error;
  }
  if (refusal.status === 400 || refusal.code === 'NOTICE_VERSION_MISMATCH') {
    try {
      const view = await viewConsent(deps, token, { chosen: request.language, acceptLanguages: [] });
      const t = locales[view.language];
      return {
        kind: 'ask_again',
        card: {
          notice: view.notice,
          noticeVersionId: view.noticeVersionId,
          token,
          link: `${deps.publicBaseUrl}/c/${token}`,
          askRecording: view.choices.askRecording,
          message: refusal.code === 'NOTICE_VERSION_MISMATCH' ? t.page.noticeChanged : t.page.answerEachQuestion,
        },
      };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refusal = error;
    }
  }
  const reasons: Partial<Record<string, 'expired' | 'decided' | 'ended'>> = { CONSENT_EXPIRED: 'expired', CONSENT_ALREADY_DECIDED: 'decided', CALL_ENDED: 'ended' };
  const reason = reasons[refusal.code] ?? 'not_found';
  return { kind: 'refused', language: request.language, reason };
}

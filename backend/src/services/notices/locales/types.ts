/** Every fixed sentence of the notice and consent page, per language. Tenants edit only their own fields. */
export interface NoticeLocale {
  language: string;
  languageName: string;
  title: string;
  intro: string;
  headings: {
    controller: string;
    dpo: string;
    purpose: string;
    legalBasis: string;
    recording: string;
    retention: string;
    storage: string;
    supervision: string;
    processors: string;
    rights: string;
    privacyPolicy: string;
  };
  defaultPurpose: string;
  legalBasis: Record<'consent' | 'legal_obligation' | 'legitimate_interest', string>;
  recording: Record<'none' | 'optional' | 'required', string>;
  media: Record<'audio' | 'audio+video', string>;
  retention: (days: number) => string;
  notRecordedRetention: string;
  /**
   * Where the recordings of a recorded meeting type are kept (Art. 13(1)(f) GDPR): inside the EU
   * (with the place, where the region names one), outside it under an adequacy decision, or
   * outside it otherwise.
   */
  recordingsStored: {
    inEu: (place: string | null) => string;
    adequacy: (place: string) => string;
    outsideEu: (region: string) => string;
  };
  /** Shown only for meeting types that allow silent supervision. */
  supervision: string;
  processors: string;
  rights: string[];
  withdrawal: string;
  complaint: string;
  page: {
    choices: string;
    joinQuestion: string;
    recordingQuestion: string;
    requiredRecordingExplanation: string;
    alternativeContact: string;
    yes: string;
    no: string;
    submit: string;
    acceptRecordedCall: string;
    declineCall: string;
    joinedTitle: string;
    joinedText: string;
    declinedTitle: string;
    declinedText: string;
    decidedAlready: string;
    /** Told to someone else in a group chat who presses the customer's consent card. */
    notForYou: string;
    /** The consent card once decided, as everyone in a Teams chat sees it. */
    cardAccepted: string;
    cardDeclined: string;
    /**
     * An acceptance from a Teams client too old to answer privately, in a chat others share: saved,
     * but the reply everyone reads carries no join link; the customer's own client shows Join.
     */
    joinFromTeamsApp: string;
    /** The consent page of an offer made in a Teams chat: read there, answered on the card. */
    answerOnTeamsCard: string;
    expired: string;
    /** The call the link was for is over (ended by the agent, or never started in time). */
    callEnded: string;
    notFound: string;
    otherLanguages: string;
    fullNoticeLink: string;
    summary: string;
    joinNow: string;
    answerEachQuestion: string;
    noticeChanged: string;
    /** Beside a question left unanswered. */
    chooseAnswer: string;
    /** Which notice version the page shows, and the start of its content hash. */
    noticeVersion: (version: number, fingerprint: string) => string;
  };
}

/** What limits each case, from profiles (see bench/README.md); printed into RESULTS.md. */
export const LIMITS = {
  compile: 'TBD',
  splice: 'TBD',
  dispatchVsNodemailer: 'TBD',
  dispatchVsSmtpSource: 'TBD',
  dispatchVsNaive: 'TBD',
  signup: 'TBD',
  lanes: 'TBD',
  memory: 'TBD',
  ledger: 'TBD',
};

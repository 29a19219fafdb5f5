//+------------------------------------------------------------------+
//| Backoff.mqh -- reconnect delays and heartbeat timing (pure).      |
//+------------------------------------------------------------------+
#ifndef CT_BACKOFF_MQH
#define CT_BACKOFF_MQH

// Exponential backoff with "equal jitter": the n-th delay is uniformly drawn from
// [d/2, d] where d = min(maxMs, baseMs * 2^n). Reset() after a successful login.
class CTBackoff
  {
public:
   int               baseMs;
   int               maxMs;
   int               attempt;

                     CTBackoff(void)
     {
      baseMs = 1000;
      maxMs = 60000;
      attempt = 0;
     }
   void              Configure(int base, int most)
     {
      baseMs = base > 0 ? base : 1;
      maxMs = most >= baseMs ? most : baseMs;
      attempt = 0;
     }
   void              Reset(void) { attempt = 0; }
   // The ceiling of the next delay, before jitter.
   int               Ceiling(void) const
     {
      double d = baseMs;
      for(int i = 0; i < attempt && d < maxMs; i++)
         d = d * 2;
      if(d > maxMs)
         d = maxMs;
      return (int)d;
     }
   // The next delay in ms; `random15` is a value 0..32767 (MathRand()).
   int               NextDelayMs(int random15)
     {
      int ceiling = Ceiling();
      attempt++;
      int half = ceiling / 2;
      int spread = ceiling - half;
      if(random15 < 0)
         random15 = -random15;
      return half + (int)((long)spread * (random15 % 32768) / 32767);
     }
  };

// When to PING and when to give up on a silent connection (docs/protocol.md section 4, the
// rule the EA, the simulators and the server share): PING when nothing was received for one
// interval, or nothing was sent for one interval, at most one PING per interval; dead after
// 3 intervals without receiving. The server answers PING at once and never sends lines the
// EA must answer, so an idle link still hears a PONG every interval.
class CTHeartbeat
  {
public:
   long              intervalMs;
   long              lastSentMs;
   long              lastReceivedMs;
   long              lastPingMs;

                     CTHeartbeat(void)
     {
      intervalMs = 10000;
      lastSentMs = 0;
      lastReceivedMs = 0;
      lastPingMs = 0;
     }
   void              Start(long nowMs)
     {
      lastSentMs = nowMs;
      lastReceivedMs = nowMs;
      lastPingMs = nowMs;
     }
   void              SetIntervalSeconds(long seconds)
     {
      if(seconds > 0)
         intervalMs = seconds * 1000;
     }
   void              Sent(long nowMs) { lastSentMs = nowMs; }
   void              Received(long nowMs) { lastReceivedMs = nowMs; }
   void              Pinged(long nowMs)
     {
      lastPingMs = nowMs;
      lastSentMs = nowMs;
     }
   bool              PingDue(long nowMs) const
     {
      bool quiet = nowMs - lastReceivedMs >= intervalMs || nowMs - lastSentMs >= intervalMs;
      return quiet && nowMs - lastPingMs >= intervalMs;
     }
   bool              Dead(long nowMs) const { return nowMs - lastReceivedMs >= 3 * intervalMs; }
  };

#endif

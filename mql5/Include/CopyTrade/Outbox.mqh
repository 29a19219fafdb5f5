//+------------------------------------------------------------------+
//| Outbox.mqh -- master events not yet confirmed by STORED.          |
//|                                                                  |
//| Every CMD_OPEN / CMD_CLOSE / CMD_MODIFY goes through the outbox:  |
//| it is saved to the EA's state file before it is sent, sent in     |
//| order, resent after a reconnect (and, on the same connection,     |
//| after a growing timeout), and removed only when the server        |
//| answers STORED with the same (KIND, TICKET, DEAL). The server is   |
//| idempotent on that key, so a resend never copies twice.           |
//+------------------------------------------------------------------+
#ifndef CT_OUTBOX_MQH
#define CT_OUTBOX_MQH

#include <CopyTrade/Protocol.mqh>

#define CT_OUTBOX_CAPACITY 4096
#define CT_OUTBOX_WINDOW   64       // most events in flight at once
#define CT_RESEND_BASE_MS  15000    // first resend on the same connection
#define CT_RESEND_MAX_MS   300000

class CTOutboxEntry
  {
public:
   string            kind;      // OPEN | CLOSE | MODIFY | ORDER | ORDER_MODIFY | ORDER_CANCEL
   string            ticket;    // canonical wire text
   string            deal;      // closing deal for CLOSE, "0" otherwise
   string            line;      // the line to send (no "\n")
   long              createdMs;
   bool              sent;      // sent on the current connection
   long              sentMs;
   int               attempts;  // sends on the current connection

                     CTOutboxEntry(void) { Clear(); }
   void              Clear(void)
     {
      kind = "";
      ticket = "";
      deal = "0";
      line = "";
      createdMs = 0;
      sent = false;
      sentMs = 0;
      attempts = 0;
     }
   void              CopyFrom(const CTOutboxEntry &o)
     {
      kind = o.kind;
      ticket = o.ticket;
      deal = o.deal;
      line = o.line;
      createdMs = o.createdMs;
      sent = o.sent;
      sentMs = o.sentMs;
      attempts = o.attempts;
     }
  };

class CTOutbox
  {
public:
   CTOutboxEntry     items[CT_OUTBOX_CAPACITY];
   int               count;
   bool              dirty;     // changed since the last save

                     CTOutbox(void)
     {
      count = 0;
      dirty = false;
     }
   void              Clear(void)
     {
      count = 0;
      dirty = true;
     }
   int               Count(void) const { return count; }
   bool              Full(void) const { return count >= CT_OUTBOX_CAPACITY; }

   // The event's key from its line: (kind, ticket, deal); false if `line` is not an event.
   static bool       KeyOf(const string line, string &kind, string &ticket, string &deal)
     {
      CTMessage m;
      if(!CT_ParseLine(line, CT_EA_TO_SERVER, m))
         return false;
      deal = "0";
      if(m.verb == "CMD_OPEN")
         kind = "OPEN";
      else if(m.verb == "CMD_CLOSE")
        {
         kind = "CLOSE";
         deal = m.Get("deal");
        }
      else if(m.verb == "CMD_MODIFY")
         kind = "MODIFY";
      else if(m.verb == "CMD_ORDER" || m.verb == "CMD_ORDER_MODIFY" || m.verb == "CMD_ORDER_CANCEL")
         kind = StringSubstr(m.verb, 4); // ORDER | ORDER_MODIFY | ORDER_CANCEL (STORED's KIND)
      else
         return false;
      ticket = m.Get("ticket");
      return true;
     }

   // Queue an event line (CMD_OPEN/CMD_CLOSE/CMD_MODIFY). An identical event already queued
   // is not queued twice; a MODIFY not yet sent is replaced by a newer MODIFY of the same
   // ticket (only the latest SL/TP matters). False if the line is not an event or the
   // outbox is full (the caller keeps the event and tries again later).
   bool              Add(const string line, long nowMs)
     {
      string kind, ticket, deal;
      if(!KeyOf(line, kind, ticket, deal))
         return false;
      for(int i = 0; i < count; i++)
        {
         if(items[i].kind != kind || items[i].ticket != ticket || items[i].deal != deal)
            continue;
         if(items[i].line == line)
            return true;
         if((kind == "MODIFY" || kind == "ORDER_MODIFY") && !items[i].sent)
           {
            items[i].line = line;
            dirty = true;
            return true;
           }
        }
      if(Full())
         return false;
      items[count].Clear();
      items[count].kind = kind;
      items[count].ticket = ticket;
      items[count].deal = deal;
      items[count].line = line;
      items[count].createdMs = nowMs;
      count++;
      dirty = true;
      return true;
     }

   // STORED|KIND|TICKET|DEAL arrived: drop the oldest sent event with that key.
   bool              Ack(const string kind, const string ticket, const string deal)
     {
      for(int i = 0; i < count; i++)
        {
         if(items[i].sent && items[i].kind == kind && items[i].ticket == ticket &&
            items[i].deal == deal)
           {
            RemoveAt(i);
            return true;
           }
        }
      return false;
     }

   // The connection dropped (or a new one was authenticated): everything is unsent again.
   void              OnDisconnect(void)
     {
      for(int i = 0; i < count; i++)
        {
         items[i].sent = false;
         items[i].attempts = 0;
        }
     }

   // How long after its last send an event is sent again on the same connection.
   static long       ResendAfterMs(int attempts)
     {
      long d = CT_RESEND_BASE_MS;
      for(int i = 1; i < attempts && d < CT_RESEND_MAX_MS; i++)
         d = d * 2;
      return d > CT_RESEND_MAX_MS ? CT_RESEND_MAX_MS : d;
     }

   // Index of the next event to send now, or -1. Events go in order; at most
   // CT_OUTBOX_WINDOW unconfirmed ones are in flight.
   int               NextDue(long nowMs) const
     {
      int inFlight = 0;
      for(int i = 0; i < count; i++)
        {
         if(!items[i].sent)
            return inFlight < CT_OUTBOX_WINDOW ? i : -1;
         if(nowMs - items[i].sentMs >= ResendAfterMs(items[i].attempts))
            return i;
         inFlight++;
        }
      return -1;
     }

   void              MarkSent(int index, long nowMs)
     {
      if(index < 0 || index >= count)
         return;
      items[index].sent = true;
      items[index].sentMs = nowMs;
      items[index].attempts++;
     }

   // Drop events older than `maxAgeMs` (0 = never); returns how many were dropped.
   int               Expire(long nowMs, long maxAgeMs)
     {
      if(maxAgeMs <= 0)
         return 0;
      int dropped = 0;
      for(int i = count - 1; i >= 0; i--)
        {
         if(nowMs - items[i].createdMs > maxAgeMs)
           {
            RemoveAt(i);
            dropped++;
           }
        }
      return dropped;
     }

   // Persistence: one "E|<createdMs>|<line>" text line per event, oldest first.
   string            SaveLine(int index) const
     {
      return "E|" + IntegerToString(items[index].createdMs) + "|" + items[index].line;
     }
   // Read back a line written by SaveLine; false if it is not one.
   bool              LoadLine(const string text)
     {
      if(StringSubstr(text, 0, 2) != "E|")
         return false;
      int bar = StringFind(text, "|", 2);
      if(bar < 0)
         return false;
      string created = StringSubstr(text, 2, bar - 2);
      if(!CT_AllDigits(created))
         return false;
      int before = count;
      if(!Add(StringSubstr(text, bar + 1), 0))
         return false;
      if(count > before)
         items[count - 1].createdMs = StringToInteger(created);
      return true;
     }

private:
   void              RemoveAt(int index)
     {
      for(int j = index; j < count - 1; j++)
         items[j].CopyFrom(items[j + 1]);
      count--;
      items[count].Clear();
      dirty = true;
     }
  };

#endif

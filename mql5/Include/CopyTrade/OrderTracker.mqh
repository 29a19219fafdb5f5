//+------------------------------------------------------------------+
//| OrderTracker.mqh -- a master's pending-order events from          |
//| snapshots (docs/protocol.md section 7a), as MasterTracker does    |
//| for positions.                                                    |
//|                                                                  |
//| On every scan the EA reads the order list (CTOrderList) and tells |
//| Update() which vanished orders filled (a deal of the order, or a  |
//| position with its ticket). Update() queues in the outbox:         |
//|   CMD_ORDER         an order not reported yet                     |
//|   CMD_ORDER_MODIFY  price, SL, TP, stop-limit, expiration or      |
//|                     current volume (a partial fill) changed       |
//|                     (compared as written on the wire; VOLUME sent)|
//|   CMD_ORDER_CANCEL  gone without a fill for CT_ORDER_GONE_MS:     |
//|                     EXPIRED when its expiration has passed, else  |
//|                     CANCELLED                                     |
//| A filled order is dropped silently: its position is reported by   |
//| MasterTracker as CMD_OPEN with the order's ticket (the fill).     |
//| A change is recorded as reported only once its event is queued.   |
//+------------------------------------------------------------------+
#ifndef CT_ORDER_TRACKER_MQH
#define CT_ORDER_TRACKER_MQH

#include <CopyTrade/Protocol.mqh>
#include <CopyTrade/Outbox.mqh>
#include <CopyTrade/MasterTracker.mqh>

#define CT_ORDER_GONE_MS 1000   // a vanished order's fill may show in history a little later

// One pending order as read from the terminal (or as last reported).
class CTOrderInfo
  {
public:
   long              ticket;
   string            symbol;
   string            type;         // BUY_LIMIT | SELL_LIMIT | BUY_STOP | ... (wire text)
   double            volume;
   double            price;
   double            sl;
   double            tp;
   double            stoplimit;
   long              expirationMs; // 0 = good till cancelled
   int               priceDigits;
   int               volumeDigits;
   long              goneSinceMs;  // tracked: when it vanished without a fill seen

                     CTOrderInfo(void) { Clear(); }
   void              Clear(void)
     {
      ticket = 0;
      symbol = "";
      type = "BUY_LIMIT";
      volume = 0;
      price = 0;
      sl = 0;
      tp = 0;
      stoplimit = 0;
      expirationMs = 0;
      priceDigits = 5;
      volumeDigits = 2;
      goneSinceMs = 0;
     }
   void              CopyFrom(const CTOrderInfo &o)
     {
      ticket = o.ticket;
      symbol = o.symbol;
      type = o.type;
      volume = o.volume;
      price = o.price;
      sl = o.sl;
      tp = o.tp;
      stoplimit = o.stoplimit;
      expirationMs = o.expirationMs;
      priceDigits = o.priceDigits;
      volumeDigits = o.volumeDigits;
      goneSinceMs = o.goneSinceMs;
     }
   // The values CMD_ORDER_MODIFY carries, as written on the wire (VOLUME last).
   string            Values(void) const
     {
      return CT_Dec(price, priceDigits) + "|" + CT_Dec(sl, priceDigits) + "|" + CT_Dec(tp, priceDigits) +
             "|" + CT_Dec(stoplimit, priceDigits) + "|" + IntegerToString(expirationMs) + "|" +
             CT_Dec(volume, volumeDigits);
     }
  };

class CTOrderList
  {
public:
   CTOrderInfo       items[CT_MAX_TRACKED];
   int               count;
   bool              truncated;

                     CTOrderList(void) { Clear(); }
   void              Clear(void)
     {
      count = 0;
      truncated = false;
     }
   int               Append(void)
     {
      if(count >= CT_MAX_TRACKED)
        {
         truncated = true;
         return -1;
        }
      items[count].Clear();
      count++;
      return count - 1;
     }
   int               Find(long ticket) const
     {
      for(int i = 0; i < count; i++)
         if(items[i].ticket == ticket)
            return i;
      return -1;
     }
  };

class CTOrderReport
  {
public:
   int               placed;
   int               modified;
   int               cancelled;
   int               filled;
   int               blocked;

                     CTOrderReport(void) { Clear(); }
   void              Clear(void)
     {
      placed = 0;
      modified = 0;
      cancelled = 0;
      filled = 0;
      blocked = 0;
     }
  };

class CTOrderTracker
  {
public:
   CTOrderInfo       items[CT_MAX_TRACKED];
   int               count;
   bool              dirty;

                     CTOrderTracker(void)
     {
      count = 0;
      dirty = false;
     }
   int               Find(long ticket) const
     {
      for(int i = 0; i < count; i++)
         if(items[i].ticket == ticket)
            return i;
      return -1;
     }

   // Tracked orders that are not in `cur`: the EA checks which of them filled.
   void              Gone(const CTOrderList &cur, CTIdList &ids) const
     {
      ids.Clear();
      for(int i = 0; i < count; i++)
         if(cur.Find(items[i].ticket) < 0)
            ids.Add(items[i].ticket);
     }

   void              Update(const CTOrderList &cur, const CTIdList &filled, CTOutbox &out,
                            long nowMs, CTOrderReport &rep)
     {
      rep.Clear();
      for(int i = count - 1; i >= 0; i--)
         UpdateOne(i, cur, filled, out, nowMs, rep);
      for(int i = 0; i < cur.count; i++)
         if(Find(cur.items[i].ticket) < 0)
            Track(cur.items[i], out, nowMs, rep);
     }

   // Persistence: "O|ticket|symbol|type|volume|price|sl|tp|stoplimit|expirationMs|priceDigits|volumeDigits".
   string            SaveLine(int i) const
     {
      return "O|" + IntegerToString(items[i].ticket) + "|" + items[i].symbol + "|" + items[i].type + "|" +
             CT_Dec(items[i].volume, 8) + "|" + CT_Dec(items[i].price, 10) + "|" + CT_Dec(items[i].sl, 10) +
             "|" + CT_Dec(items[i].tp, 10) + "|" + CT_Dec(items[i].stoplimit, 10) + "|" +
             IntegerToString(items[i].expirationMs) + "|" + IntegerToString(items[i].priceDigits) + "|" +
             IntegerToString(items[i].volumeDigits);
     }
   bool              LoadLine(const string text)
     {
      string f[12];
      int n = 0;
      int start = 0;
      while(n < 12)
        {
         int bar = StringFind(text, "|", start);
         f[n] = bar < 0 ? StringSubstr(text, start) : StringSubstr(text, start, bar - start);
         n++;
         if(bar < 0)
            break;
         start = bar + 1;
        }
      if(n != 12 || f[0] != "O" || !CT_AllDigits(f[1]) || !CT_IsSymbol(f[2]) || !CT_AllDigits(f[9]) ||
         !CT_AllDigits(f[10]) || !CT_AllDigits(f[11]) || count >= CT_MAX_TRACKED)
         return false;
      if(f[3] != "BUY_LIMIT" && f[3] != "SELL_LIMIT" && f[3] != "BUY_STOP" && f[3] != "SELL_STOP" &&
         f[3] != "BUY_STOP_LIMIT" && f[3] != "SELL_STOP_LIMIT")
         return false;
      for(int k = 4; k <= 8; k++)
         if(!CT_IsDecimalText(f[k]))
            return false;
      long ticket = StringToInteger(f[1]);
      if(ticket <= 0 || Find(ticket) >= 0)
         return false;
      items[count].Clear();
      items[count].ticket = ticket;
      items[count].symbol = f[2];
      items[count].type = f[3];
      items[count].volume = StringToDouble(f[4]);
      items[count].price = StringToDouble(f[5]);
      items[count].sl = StringToDouble(f[6]);
      items[count].tp = StringToDouble(f[7]);
      items[count].stoplimit = StringToDouble(f[8]);
      items[count].expirationMs = StringToInteger(f[9]);
      items[count].priceDigits = (int)StringToInteger(f[10]);
      items[count].volumeDigits = (int)StringToInteger(f[11]);
      count++;
      return true;
     }

private:
   static bool       Has(const CTIdList &ids, long id)
     {
      for(int i = 0; i < ids.count; i++)
         if(ids.ids[i] == id)
            return true;
      return false;
     }

   void              UpdateOne(int i, const CTOrderList &cur, const CTIdList &filled, CTOutbox &out,
                               long nowMs, CTOrderReport &rep)
     {
      int p = cur.Find(items[i].ticket);
      if(p < 0)
        {
         if(Has(filled, items[i].ticket))
           {
            rep.filled++;
            RemoveAt(i);
            return;
           }
         if(items[i].goneSinceMs == 0)
           {
            items[i].goneSinceMs = nowMs;
            return;
           }
         if(nowMs - items[i].goneSinceMs < CT_ORDER_GONE_MS)
            return;
         bool expired = items[i].expirationMs > 0 && nowMs >= items[i].expirationMs;
         string line = CT_LineMasterOrderCancel(IntegerToString(items[i].ticket),
                                                expired ? "EXPIRED" : "CANCELLED");
         if(line == "" || !out.Add(line, nowMs))
           {
            rep.blocked++;
            return;
           }
         rep.cancelled++;
         RemoveAt(i);
         return;
        }
      items[i].goneSinceMs = 0;
      if(cur.items[p].type != items[i].type)
        {
         // A stop-limit that triggered became its limit order: nothing the server is told.
         items[i].CopyFrom(cur.items[p]);
         dirty = true;
         return;
        }
      if(cur.items[p].Values() == items[i].Values())
         return;
      CTOrderInfo o;
      o.CopyFrom(cur.items[p]);
      int digits = o.priceDigits;
      string line = CT_LineMasterOrderModify(IntegerToString(o.ticket), CT_Dec(o.price, digits),
                                             CT_Dec(o.sl, digits), CT_Dec(o.tp, digits),
                                             CT_Dec(o.stoplimit, digits), IntegerToString(o.expirationMs),
                                             CT_Dec(o.volume, o.volumeDigits));
      if(line == "" || !out.Add(line, nowMs))
        {
         rep.blocked++;
         return;
        }
      rep.modified++;
      items[i].CopyFrom(o);
      dirty = true;
     }

   void              Track(const CTOrderInfo &o, CTOutbox &out, long nowMs, CTOrderReport &rep)
     {
      if(count >= CT_MAX_TRACKED)
        {
         rep.blocked++;
         return;
        }
      int digits = o.priceDigits;
      string line = CT_LineMasterOrder(o.type, o.symbol, CT_Dec(o.price, digits), CT_Dec(o.volume, o.volumeDigits),
                                       CT_Dec(o.sl, digits), CT_Dec(o.tp, digits), IntegerToString(o.ticket),
                                       CT_Dec(o.stoplimit, digits), IntegerToString(o.expirationMs));
      if(line == "" || !out.Add(line, nowMs))
        {
         rep.blocked++;
         return;
        }
      rep.placed++;
      items[count].CopyFrom(o);
      items[count].goneSinceMs = 0;
      count++;
      dirty = true;
     }

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

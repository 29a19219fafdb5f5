//+------------------------------------------------------------------+
//| MasterTracker.mqh -- a master's trade events from snapshots.      |
//|                                                                  |
//| OnTradeTransaction is only a trigger (its queue is unordered and   |
//| can overflow). On every timer tick the EA reads the open positions |
//| (CTPosList) and, for positions that are new, gone or smaller, the  |
//| exit deals from history (CTDealList, via HistorySelectByPosition). |
//| Update() compares them with what was already reported and queues   |
//| CMD_OPEN / CMD_CLOSE / CMD_MODIFY in the outbox. Everything is      |
//| keyed by POSITION_IDENTIFIER, which is also the TICKET on the wire. |
//| A change is recorded as reported only once its event is queued, so |
//| a full outbox or history that is not there yet just retries.       |
//+------------------------------------------------------------------+
#ifndef CT_MASTER_TRACKER_MQH
#define CT_MASTER_TRACKER_MQH

#include <CopyTrade/Protocol.mqh>
#include <CopyTrade/Outbox.mqh>

#define CT_MAX_TRACKED     1024
#define CT_MAX_DEALS       4096
#define CT_VOLUME_EPSILON  1e-8
#define CT_HISTORY_WAIT_MS 300000   // give up waiting for a closed position's deals

// One open position as read from the terminal.
class CTPosInfo
  {
public:
   long              id;           // POSITION_IDENTIFIER
   string            symbol;
   string            side;         // BUY | SELL
   double            volume;
   double            priceOpen;
   double            sl;
   double            tp;
   long              timeMsc;      // POSITION_TIME_MSC
   int               priceDigits;  // SYMBOL_DIGITS
   int               volumeDigits; // decimals of SYMBOL_VOLUME_STEP

                     CTPosInfo(void) { Clear(); }
   void              Clear(void)
     {
      id = 0;
      symbol = "";
      side = "BUY";
      volume = 0;
      priceOpen = 0;
      sl = 0;
      tp = 0;
      timeMsc = 0;
      priceDigits = 5;
      volumeDigits = 2;
     }
  };

class CTPosList
  {
public:
   CTPosInfo         items[CT_MAX_TRACKED];
   int               count;
   bool              truncated;

                     CTPosList(void) { Clear(); }
   void              Clear(void)
     {
      count = 0;
      truncated = false;
     }
   // Index of a new, cleared slot to fill, or -1 when full.
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
   int               Find(long id) const
     {
      for(int i = 0; i < count; i++)
         if(items[i].id == id)
            return i;
      return -1;
     }
  };

// One exit deal (DEAL_ENTRY_OUT / OUT_BY / INOUT) of a position, from history.
class CTDealInfo
  {
public:
   long              ticket;
   long              positionId;  // DEAL_POSITION_ID
   double            volume;
   double            price;
   double            profit;      // DEAL_PROFIT + DEAL_SWAP + DEAL_COMMISSION + DEAL_FEE
   string            reason;      // CLIENT | EXPERT | SL | TP | SO | OTHER

                     CTDealInfo(void) { Clear(); }
   void              Clear(void)
     {
      ticket = 0;
      positionId = 0;
      volume = 0;
      price = 0;
      profit = 0;
      reason = "OTHER";
     }
  };

class CTDealList
  {
public:
   CTDealInfo        items[CT_MAX_DEALS];
   int               count;

                     CTDealList(void) { count = 0; }
   void              Clear(void) { count = 0; }
   int               Append(void)
     {
      if(count >= CT_MAX_DEALS)
         return -1;
      items[count].Clear();
      count++;
      return count - 1;
     }
   bool              Has(long ticket) const
     {
      for(int i = 0; i < count; i++)
         if(items[i].ticket == ticket)
            return true;
      return false;
     }
   // The lowest exit deal of `positionId` above `after`, or -1.
   int               NextExit(long positionId, long after) const
     {
      int best = -1;
      for(int i = 0; i < count; i++)
        {
         if(items[i].positionId != positionId || items[i].ticket <= after)
            continue;
         if(best < 0 || items[i].ticket < items[best].ticket)
            best = i;
        }
      return best;
     }
   long              MaxExit(long positionId) const
     {
      long most = 0;
      for(int i = 0; i < count; i++)
         if(items[i].positionId == positionId && items[i].ticket > most)
            most = items[i].ticket;
      return most;
     }
  };

class CTIdList
  {
public:
   long              ids[CT_MAX_TRACKED * 2];
   int               count;

                     CTIdList(void) { count = 0; }
   void              Clear(void) { count = 0; }
   void              Add(long id)
     {
      for(int i = 0; i < count; i++)
         if(ids[i] == id)
            return;
      if(count < CT_MAX_TRACKED * 2)
        {
         ids[count] = id;
         count++;
        }
     }
  };

// What a position looked like when last reported to the server.
class CTTracked
  {
public:
   long              id;
   string            symbol;
   string            side;
   double            volume;        // open volume as reported (after the reported closes)
   double            sl;
   double            tp;
   long              lastDeal;      // highest exit deal already reported
   int               priceDigits;
   int               volumeDigits;
   long              goneSinceMs;   // when it vanished with volume still unexplained

                     CTTracked(void) { Clear(); }
   void              Clear(void)
     {
      id = 0;
      symbol = "";
      side = "BUY";
      volume = 0;
      sl = 0;
      tp = 0;
      lastDeal = 0;
      priceDigits = 5;
      volumeDigits = 2;
      goneSinceMs = 0;
     }
   void              CopyFrom(const CTTracked &o)
     {
      id = o.id;
      symbol = o.symbol;
      side = o.side;
      volume = o.volume;
      sl = o.sl;
      tp = o.tp;
      lastDeal = o.lastDeal;
      priceDigits = o.priceDigits;
      volumeDigits = o.volumeDigits;
      goneSinceMs = o.goneSinceMs;
     }
  };

// Counters of one Update(), for the EA's log.
class CTTrackerReport
  {
public:
   int               opens;
   int               closes;
   int               modifies;
   int               stopOutDeals;   // exit deals with reason SO
   int               increases;      // volume grew (netting): not copied, logged
   int               waiting;        // positions whose closing deals are not in history yet
   int               abandoned;      // gave up waiting for a closed position's deals
   int               blocked;        // events that did not fit in the outbox (retried)

                     CTTrackerReport(void) { Clear(); }
   void              Clear(void)
     {
      opens = 0;
      closes = 0;
      modifies = 0;
      stopOutDeals = 0;
      increases = 0;
      waiting = 0;
      abandoned = 0;
      blocked = 0;
     }
  };

class CTMasterTracker
  {
public:
   CTTracked         items[CT_MAX_TRACKED];
   int               count;
   bool              dirty;

                     CTMasterTracker(void)
     {
      count = 0;
      dirty = false;
     }
   int               Find(long id) const
     {
      for(int i = 0; i < count; i++)
         if(items[i].id == id)
            return i;
      return -1;
     }

   // Positions whose exit deals Update() needs: new, gone, or smaller than reported.
   void              NeedDeals(const CTPosList &cur, CTIdList &ids) const
     {
      ids.Clear();
      for(int i = 0; i < count; i++)
        {
         int p = cur.Find(items[i].id);
         if(p < 0 || cur.items[p].volume < items[i].volume - CT_VOLUME_EPSILON)
            ids.Add(items[i].id);
        }
      for(int i = 0; i < cur.count; i++)
         if(Find(cur.items[i].id) < 0)
            ids.Add(cur.items[i].id);
     }

   void              Update(const CTPosList &cur, const CTDealList &deals, CTOutbox &out,
                            long nowMs, CTTrackerReport &rep)
     {
      rep.Clear();
      for(int i = count - 1; i >= 0; i--)
         UpdateOne(i, cur, deals, out, nowMs, rep);
      for(int i = 0; i < cur.count; i++)
         if(Find(cur.items[i].id) < 0)
            Track(cur.items[i], deals, out, nowMs, rep);
     }

   // Persistence: "P|id|symbol|side|volume|sl|tp|lastDeal|priceDigits|volumeDigits".
   string            SaveLine(int i) const
     {
      return "P|" + IntegerToString(items[i].id) + "|" + items[i].symbol + "|" + items[i].side +
             "|" + CT_Dec(items[i].volume, 8) + "|" + CT_Dec(items[i].sl, 10) + "|" +
             CT_Dec(items[i].tp, 10) + "|" + IntegerToString(items[i].lastDeal) + "|" +
             IntegerToString(items[i].priceDigits) + "|" + IntegerToString(items[i].volumeDigits);
     }
   bool              LoadLine(const string text)
     {
      string f[10];
      int n = 0;
      int start = 0;
      while(n < 10)
        {
         int bar = StringFind(text, "|", start);
         f[n] = bar < 0 ? StringSubstr(text, start) : StringSubstr(text, start, bar - start);
         n++;
         if(bar < 0)
            break;
         start = bar + 1;
        }
      if(n != 10 || f[0] != "P" || !CT_AllDigits(f[1]) || !CT_IsSymbol(f[2]) ||
         (f[3] != "BUY" && f[3] != "SELL") || !CT_AllDigits(f[7]) || count >= CT_MAX_TRACKED)
         return false;
      for(int k = 4; k <= 6; k++)
         if(!CT_IsDecimalText(f[k]))
            return false;
      long id = StringToInteger(f[1]);
      if(id <= 0 || Find(id) >= 0)
         return false;
      items[count].Clear();
      items[count].id = id;
      items[count].symbol = f[2];
      items[count].side = f[3];
      items[count].volume = StringToDouble(f[4]);
      items[count].sl = StringToDouble(f[5]);
      items[count].tp = StringToDouble(f[6]);
      items[count].lastDeal = StringToInteger(f[7]);
      items[count].priceDigits = (int)StringToInteger(f[8]);
      items[count].volumeDigits = (int)StringToInteger(f[9]);
      count++;
      return true;
     }

private:
   void              UpdateOne(int i, const CTPosList &cur, const CTDealList &deals,
                               CTOutbox &out, long nowMs, CTTrackerReport &rep)
     {
      long id = items[i].id;
      int p = cur.Find(id);
      // 1. exit deals not reported yet, oldest first
      while(true)
        {
         int d = deals.NextExit(id, items[i].lastDeal);
         if(d < 0)
            break;
         bool last = deals.NextExit(id, deals.items[d].ticket) < 0;
         // From the deals alone: the position list may still show a volume from before the
         // deal (transactions and list updates arrive in any order).
         double remaining = items[i].volume - deals.items[d].volume;
         if(remaining < CT_VOLUME_EPSILON || (p < 0 && last))
            remaining = 0;
         string line = CT_LineMasterClose(IntegerToString(id),
                                          IntegerToString(deals.items[d].ticket),
                                          CT_Dec(deals.items[d].volume, items[i].volumeDigits),
                                          CT_Dec(deals.items[d].price, items[i].priceDigits),
                                          CT_Dec(deals.items[d].profit, 2),
                                          remaining == 0 ? "0" :
                                          CT_Dec(remaining, items[i].volumeDigits),
                                          deals.items[d].reason);
         if(line == "" || !out.Add(line, nowMs))
           {
            rep.blocked++;
            return;
           }
         rep.closes++;
         if(deals.items[d].reason == "SO")
            rep.stopOutDeals++;
         items[i].lastDeal = deals.items[d].ticket;
         items[i].volume = remaining;
         dirty = true;
        }
      if(p < 0)
        {
         if(items[i].volume < CT_VOLUME_EPSILON)
           {
            RemoveAt(i);
            return;
           }
         // Closed, but its deals are not in history yet: wait, within reason.
         if(items[i].goneSinceMs == 0)
            items[i].goneSinceMs = nowMs;
         if(nowMs - items[i].goneSinceMs > CT_HISTORY_WAIT_MS)
           {
            rep.abandoned++;
            RemoveAt(i);
            return;
           }
         rep.waiting++;
         return;
        }
      items[i].goneSinceMs = 0;
      // 2. volume: grew (netting add) -> follow it; smaller without deals -> wait
      if(cur.items[p].volume > items[i].volume + CT_VOLUME_EPSILON)
        {
         rep.increases++;
         items[i].volume = cur.items[p].volume;
         dirty = true;
        }
      else if(cur.items[p].volume < items[i].volume - CT_VOLUME_EPSILON)
         rep.waiting++;
      // 3. SL/TP, compared as they are written on the wire
      int digits = items[i].priceDigits;
      string sl = CT_Dec(cur.items[p].sl, digits);
      string tp = CT_Dec(cur.items[p].tp, digits);
      if(sl != CT_Dec(items[i].sl, digits) || tp != CT_Dec(items[i].tp, digits))
        {
         string line = CT_LineMasterModify(IntegerToString(id), sl, tp);
         if(line == "" || !out.Add(line, nowMs))
           {
            rep.blocked++;
            return;
           }
         rep.modifies++;
         items[i].sl = cur.items[p].sl;
         items[i].tp = cur.items[p].tp;
         dirty = true;
        }
     }

   void              Track(const CTPosInfo &pos, const CTDealList &deals, CTOutbox &out,
                           long nowMs, CTTrackerReport &rep)
     {
      if(count >= CT_MAX_TRACKED)
        {
         rep.blocked++;
         return;
        }
      string line = CT_LineMasterOpen(pos.side, pos.symbol, CT_Dec(pos.priceOpen, pos.priceDigits),
                                      CT_Dec(pos.volume, pos.volumeDigits),
                                      CT_Dec(pos.sl, pos.priceDigits),
                                      CT_Dec(pos.tp, pos.priceDigits), IntegerToString(pos.id),
                                      pos.timeMsc > 0 ? IntegerToString(pos.timeMsc) : "");
      if(line == "" || !out.Add(line, nowMs))
        {
         rep.blocked++;
         return;
        }
      rep.opens++;
      items[count].Clear();
      items[count].id = pos.id;
      items[count].symbol = pos.symbol;
      items[count].side = pos.side;
      items[count].volume = pos.volume;
      items[count].sl = pos.sl;
      items[count].tp = pos.tp;
      // Exits that happened before we first saw it are part of the state we report.
      items[count].lastDeal = deals.MaxExit(pos.id);
      items[count].priceDigits = pos.priceDigits;
      items[count].volumeDigits = pos.volumeDigits;
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

// Stop-out watch: true once when the margin level falls to the broker's stop-out level
// (ACCOUNT_MARGIN_SO_SO, percent mode); re-armed when it recovers 10% above it.
class CTStopOutWatch
  {
public:
   bool              tripped;

                     CTStopOutWatch(void) { tripped = false; }
   bool              Check(double marginLevel, double stopOutLevel, bool hasMargin)
     {
      if(!hasMargin || stopOutLevel <= 0)
        {
         tripped = false;
         return false;
        }
      if(marginLevel <= stopOutLevel)
        {
         if(tripped)
            return false;
         tripped = true;
         return true;
        }
      if(marginLevel > stopOutLevel * 1.1)
         tripped = false;
      return false;
     }
   // A stop-out deal was seen: report it unless this episode was reported already.
   bool              OnStopOutDeal(void)
     {
      if(tripped)
         return false;
      tripped = true;
      return true;
     }
  };

#endif

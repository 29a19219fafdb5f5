//+------------------------------------------------------------------+
//| Pnl.mqh -- when to send PNL lines (docs/protocol.md section 8).   |
//|                                                                  |
//| One PNL per open position, at most once a second per position and |
//| only when one of its values changed since the last PNL sent for   |
//| it; after each login (follower: after SYNC) one for every open    |
//| position (Reset). The EA builds the line (CT_LinePnl, CT_Dec with |
//| the symbol's digits) and asks Offer() whether it goes out now.    |
//+------------------------------------------------------------------+
#ifndef CT_PNL_MQH
#define CT_PNL_MQH

#define CT_PNL_MAX       4096   // positions followed (more are not reported)
#define CT_PNL_EVERY_MS  1000   // at most one PNL per position per this many ms
#define CT_PNL_SCAN_MS   200    // how often the EAs look at their positions for PNL

class CTPnlThrottle
  {
public:
   long              tickets[CT_PNL_MAX];
   string            lines[CT_PNL_MAX];
   long              sentMs[CT_PNL_MAX];
   bool              seen[CT_PNL_MAX];
   int               count;
   long              lastScanMs;

                     CTPnlThrottle(void)
     {
      count = 0;
      lastScanMs = 0;
     }
   // After a login: every open position gets one PNL again.
   void              Reset(void)
     {
      count = 0;
      lastScanMs = 0;
     }
   // True when a scan of the positions is due (at most every CT_PNL_SCAN_MS).
   bool              ScanDue(long nowMs)
     {
      if(lastScanMs != 0 && nowMs - lastScanMs < CT_PNL_SCAN_MS)
         return false;
      lastScanMs = nowMs;
      for(int i = 0; i < count; i++)
         seen[i] = false;
      return true;
     }
   // Whether `line` (the PNL of `ticket`) should be sent now; if so it is recorded as sent.
   bool              Offer(long ticket, const string line, long nowMs)
     {
      if(line == "")
         return false;
      for(int i = 0; i < count; i++)
        {
         if(tickets[i] != ticket)
            continue;
         seen[i] = true;
         if(lines[i] == line || nowMs - sentMs[i] < CT_PNL_EVERY_MS)
            return false;
         lines[i] = line;
         sentMs[i] = nowMs;
         return true;
        }
      if(count >= CT_PNL_MAX)
         return false;
      tickets[count] = ticket;
      lines[count] = line;
      sentMs[count] = nowMs;
      seen[count] = true;
      count++;
      return true;
     }
   // Forget positions that were not offered since the last ScanDue (they closed).
   void              EndScan(void)
     {
      int kept = 0;
      for(int i = 0; i < count; i++)
        {
         if(!seen[i])
            continue;
         tickets[kept] = tickets[i];
         lines[kept] = lines[i];
         sentMs[kept] = sentMs[i];
         seen[kept] = true;
         kept++;
        }
      count = kept;
     }
  };

#endif

//+------------------------------------------------------------------+
//| State.mqh -- the master EA's state file (outbox + reported        |
//| positions), so nothing is lost across a terminal restart.         |
//|                                                                  |
//| Text file in the terminal's own sandbox (MQL5\Files, not          |
//| FILE_COMMON: each terminal keeps its own account's state), named  |
//| per account. Written to "<name>.tmp" and moved over the old file, |
//| so a crash mid-write leaves the previous state intact. Format:    |
//|   CTSTATE|1                                                       |
//|   L|login the MT5 login the state belongs to (refused on another) |
//|   P|...   one per reported open position (MasterTracker)          |
//|   O|...   one per reported pending order (OrderTracker)           |
//|   E|...   one per unconfirmed event, oldest first (Outbox)        |
//|   END                                                             |
//+------------------------------------------------------------------+
#ifndef CT_STATE_MQH
#define CT_STATE_MQH

#include <CopyTrade/Outbox.mqh>
#include <CopyTrade/MasterTracker.mqh>
#include <CopyTrade/OrderTracker.mqh>

#define CT_STATE_HEADER "CTSTATE|1"

bool CT_SaveMasterState(const string name, const CTOutbox &out, const CTMasterTracker &tracker,
                        const CTOrderTracker &orders, long login = 0)
  {
   string tmp = name + ".tmp";
   int h = FileOpen(tmp, FILE_WRITE | FILE_TXT | FILE_ANSI);
   if(h == INVALID_HANDLE)
      return false;
   string header = CT_STATE_HEADER;
   FileWriteString(h, header + "\r\n");
   if(login > 0)
      FileWriteString(h, "L|" + IntegerToString(login) + "\r\n");
   for(int i = 0; i < tracker.count; i++)
      FileWriteString(h, tracker.SaveLine(i) + "\r\n");
   for(int i = 0; i < orders.count; i++)
      FileWriteString(h, orders.SaveLine(i) + "\r\n");
   for(int i = 0; i < out.count; i++)
      FileWriteString(h, out.SaveLine(i) + "\r\n");
   FileWriteString(h, "END\r\n");
   FileFlush(h);
   FileClose(h);
   return FileMove(tmp, 0, name, FILE_REWRITE);
  }

// Load a state file into empty `out` and `tracker`. Returns false (and loads nothing) when
// the file is missing, unreadable, incomplete or (with `login` > 0) another login's;
// `skipped` counts lines that were not understood (they are dropped, and logged by the caller).
bool CT_LoadMasterState(const string name, CTOutbox &out, CTMasterTracker &tracker,
                        CTOrderTracker &orders, int &skipped, long login = 0)
  {
   skipped = 0;
   if(!FileIsExist(name))
      return false;
   int h = FileOpen(name, FILE_READ | FILE_TXT | FILE_ANSI);
   if(h == INVALID_HANDLE)
      return false;
   bool header = false, complete = false;
   while(!FileIsEnding(h))
     {
      string line = FileReadString(h);
      if(!header)
        {
         header = line == CT_STATE_HEADER;
         if(!header)
            break;
         continue;
        }
      if(line == "END")
        {
         complete = true;
         break;
        }
      bool ok = false;
      if(StringSubstr(line, 0, 2) == "L|")
        {
         if(login > 0 && StringToInteger(StringSubstr(line, 2)) != login)
            break; // another account's state: not ours to load
         continue;
        }
      if(StringSubstr(line, 0, 2) == "P|")
         ok = tracker.LoadLine(line);
      else if(StringSubstr(line, 0, 2) == "O|")
         ok = orders.LoadLine(line);
      else if(StringSubstr(line, 0, 2) == "E|")
         ok = out.LoadLine(line);
      if(!ok)
         skipped++;
     }
   FileClose(h);
   if(!complete)
     {
      out.Clear();
      tracker.count = 0;
      orders.count = 0;
      return false;
     }
   out.dirty = false;
   tracker.dirty = false;
   orders.dirty = false;
   return true;
  }

// Without pending orders (their lines are left out / dropped).
bool CT_SaveMasterState(const string name, const CTOutbox &out, const CTMasterTracker &tracker,
                        long login = 0)
  {
   CTOrderTracker none;
   return CT_SaveMasterState(name, out, tracker, none, login);
  }
bool CT_LoadMasterState(const string name, CTOutbox &out, CTMasterTracker &tracker, int &skipped,
                        long login = 0)
  {
   CTOrderTracker ignored;
   return CT_LoadMasterState(name, out, tracker, ignored, skipped, login);
  }

#endif

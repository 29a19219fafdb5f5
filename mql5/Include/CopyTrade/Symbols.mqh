//+------------------------------------------------------------------+
//| Symbols.mqh -- broker-suffix normalisation and the custom map.    |
//|                                                                  |
//| Mirrors server/copytrade/domain/symbols.py (symbol_base,          |
//| SymbolMap.target_for, SymbolIndex.find, parse_symbol_map); the    |
//| tests compare both on the same cases. The server resolves symbols  |
//| before it sends OPEN; the EA uses this only (a) to turn           |
//| InpCustomMap into the RULES wire form and (b) as a fallback when   |
//| a symbol named by the server does not exist at this broker.        |
//+------------------------------------------------------------------+
#ifndef CT_SYMBOLS_MQH
#define CT_SYMBOLS_MQH

#include <CopyTrade/Protocol.mqh>

#define CT_MAX_MAP_ENTRIES 500
#define CT_MAX_SYMBOLS     8192

bool CT_IsSeparator(ushort c) { return c == '.' || c == '_' || c == '#' || c == '+' || c == '-'; }

bool CT_IsDecoration(const string upper)
  {
   return upper == "M" || upper == "PRO" || upper == "ECN" || upper == "RAW" || upper == "I" ||
          upper == "C" || upper == "A" || upper == "B" || upper == "E" || upper == "R" ||
          upper == "S" || upper == "X" || upper == "Z" || upper == "MICRO" || upper == "MINI" ||
          upper == "STD" || upper == "STP" || upper == "CASH" || upper == "ZERO" ||
          upper == "PLUS" || upper == "VIP" || upper == "PRIME" || upper == "SB" || upper == "FX";
  }

bool CT_IsCurrencyCode(const string c)
  {
   return c == "EUR" || c == "USD" || c == "GBP" || c == "JPY" || c == "CHF" || c == "AUD" ||
          c == "NZD" || c == "CAD" || c == "XAU" || c == "XAG" || c == "XPT" || c == "XPD" ||
          c == "SGD" || c == "HKD" || c == "NOK" || c == "SEK" || c == "DKK" || c == "ZAR" ||
          c == "MXN" || c == "TRY" || c == "PLN" || c == "CNH" || c == "CNY" || c == "HUF" ||
          c == "CZK" || c == "RUB" || c == "ILS" || c == "THB" || c == "INR" || c == "KRW" ||
          c == "BRL";
  }

// Byte-order comparison (-1, 0, 1), like Python's str ordering for ASCII. MQL5's
// StringCompare is not used: with case_sensitive=true it orders capitals after small letters.
int CT_CompareText(const string a, const string b)
  {
   int la = StringLen(a), lb = StringLen(b);
   int n = la < lb ? la : lb;
   for(int i = 0; i < n; i++)
     {
      ushort ca = StringGetCharacter(a, i), cb = StringGetCharacter(b, i);
      if(ca != cb)
         return ca < cb ? -1 : 1;
     }
   if(la == lb)
      return 0;
   return la < lb ? -1 : 1;
  }

string CT_Upper(const string s)
  {
   string u = s;
   StringToUpper(u);
   return u;
  }

// The canonical upper-case base of a symbol, broker decorations stripped:
// EURUSD.m, EURUSDm, EURUSD.pro, XAUUSD#, #US30, US30.cash -> EURUSD, XAUUSD, US30.
string CT_SymbolBase(const string symbol)
  {
   int n = StringLen(symbol);
   int begin = 0;
   while(begin < n && CT_IsSeparator(StringGetCharacter(symbol, begin)))
      begin++;
   int end = begin;
   while(end < n && !CT_IsSeparator(StringGetCharacter(symbol, end)))
      end++;
   string stem = StringSubstr(symbol, begin, end - begin);
   // A lower-case tail after an upper-case letter or digit that is a known decoration.
   int len = StringLen(stem);
   int t = len;
   while(t > 0)
     {
      ushort c = StringGetCharacter(stem, t - 1);
      if(c < 'a' || c > 'z')
         break;
      t--;
     }
   if(t < len && t > 0)
     {
      ushort prev = StringGetCharacter(stem, t - 1);
      bool upperOrDigit = (prev >= 'A' && prev <= 'Z') || CT_IsDigit(prev);
      if(upperOrDigit && CT_IsDecoration(CT_Upper(StringSubstr(stem, t))))
         stem = StringSubstr(stem, 0, t);
     }
   string base = CT_Upper(stem);
   if(StringLen(base) > 6 && CT_IsCurrencyCode(StringSubstr(base, 0, 3)) &&
      CT_IsCurrencyCode(StringSubstr(base, 3, 3)) && CT_IsDecoration(StringSubstr(base, 6)))
      base = StringSubstr(base, 0, 6);
   if(base == "")
      return CT_Upper(symbol);
   return base;
  }

//+------------------------------------------------------------------+
//| The custom symbol map: MASTER=FOLLOWER pairs, keys unique          |
//| ignoring case, in the order written.                              |
//+------------------------------------------------------------------+
class CTSymbolMap
  {
public:
   string            keys[CT_MAX_MAP_ENTRIES];
   string            values[CT_MAX_MAP_ENTRIES];
   int               count;

                     CTSymbolMap(void) { count = 0; }
   void              Clear(void) { count = 0; }

   // Parse "XAUUSD=GOLD, US30=DJ30" (entries separated by commas, semicolons or newlines;
   // blanks and empty entries ignored) like parse_symbol_map. False and `error` on bad input;
   // the map is then empty.
   bool              Parse(const string text, string &error)
     {
      Clear();
      error = "";
      int n = StringLen(text);
      int start = 0;
      int number = 0;
      while(start <= n)
        {
         int end = start;
         while(end < n)
           {
            ushort c = StringGetCharacter(text, end);
            if(c == ',' || c == ';' || c == '\n')
               break;
            end++;
           }
         number++;
         string entry = StringSubstr(text, start, end - start);
         StringTrimLeft(entry);
         StringTrimRight(entry);
         start = end + 1;
         if(entry == "")
            continue;
         string where = "entry " + IntegerToString(number) + " ('" + entry + "')";
         int eq = StringFind(entry, "=");
         if(eq < 0)
            return Fail(error, where + " has no '='; write MASTER=FOLLOWER");
         string key = StringSubstr(entry, 0, eq);
         string value = StringSubstr(entry, eq + 1);
         StringTrimLeft(key);
         StringTrimRight(key);
         StringTrimLeft(value);
         StringTrimRight(value);
         if(StringFind(value, "=") >= 0)
            return Fail(error, where + " has more than one '='");
         if(key == "")
            return Fail(error, where + " has no master symbol before '='");
         if(value == "")
            return Fail(error, where + " has no follower symbol after '='");
         if(!CT_IsSymbol(key))
            return Fail(error, where + ": '" + key + "' is not a symbol name");
         if(!CT_IsSymbol(value))
            return Fail(error, where + ": '" + value + "' is not a symbol name");
         for(int i = 0; i < count; i++)
            if(CT_Upper(keys[i]) == CT_Upper(key))
               return Fail(error, where + " maps '" + key + "' again (already '" + keys[i] + "')");
         if(count >= CT_MAX_MAP_ENTRIES)
            return Fail(error, "has more than 500 entries");
         keys[count] = key;
         values[count] = value;
         count++;
        }
      return true;
     }

   // The protocol's form: "XAUUSD=GOLD,US30=DJ30" ("" when empty).
   string            WireText(void) const
     {
      string s = "";
      for(int i = 0; i < count; i++)
         s = s + (i > 0 ? "," : "") + keys[i] + "=" + values[i];
      return s;
     }

   // The mapped follower symbol for `master`: exact key first, then by base; "" if none.
   string            TargetFor(const string master) const
     {
      for(int i = 0; i < count; i++)
         if(keys[i] == master)
            return values[i];
      string base = CT_SymbolBase(master);
      int byBase = 0, plain = 0;
      string byBaseValue = "", plainValue = "";
      for(int i = 0; i < count; i++)
        {
         if(CT_SymbolBase(keys[i]) == base)
           {
            byBase++;
            byBaseValue = values[i];
           }
         if(CT_Upper(keys[i]) == base)
           {
            plain++;
            plainValue = values[i];
           }
        }
      if(plain == 1)
         return plainValue;
      if(byBase == 1)
         return byBaseValue;
      return "";
     }

private:
   bool              Fail(string &error, const string why)
     {
      error = why;
      count = 0;
      return false;
     }
  };

//+------------------------------------------------------------------+
//| A terminal's symbol names, for finding its spelling of a symbol.  |
//+------------------------------------------------------------------+
class CTSymbolIndex
  {
public:
   string            names[CT_MAX_SYMBOLS];
   string            uppers[CT_MAX_SYMBOLS];
   string            bases[CT_MAX_SYMBOLS];
   int               count;

                     CTSymbolIndex(void) { count = 0; }
   void              Clear(void) { count = 0; }
   bool              Add(const string name)
     {
      if(count >= CT_MAX_SYMBOLS)
         return false;
      for(int i = 0; i < count; i++)
         if(names[i] == name)
            return true;
      names[count] = name;
      uppers[count] = CT_Upper(name);
      bases[count] = CT_SymbolBase(name);
      count++;
      return true;
     }

   // This terminal's spelling of `wanted`: exact, then ignoring case, then the plain base,
   // then the only symbol with the same base. "" when nothing or nothing unique matches;
   // `candidates` then lists the equally good names (comma separated, sorted).
   string            Find(const string wanted, string &candidates) const
     {
      candidates = "";
      for(int i = 0; i < count; i++)
         if(names[i] == wanted)
            return wanted;
      string up = CT_Upper(wanted);
      int same = 0;
      string sameName = "";
      for(int i = 0; i < count; i++)
         if(uppers[i] == up)
           {
            same++;
            sameName = names[i];
           }
      if(same == 1)
         return sameName;
      string base = CT_SymbolBase(wanted);
      int plain = 0, byBase = 0;
      string plainName = "", byBaseName = "";
      for(int i = 0; i < count; i++)
        {
         if(uppers[i] == base)
           {
            plain++;
            plainName = names[i];
           }
         if(bases[i] == base)
           {
            byBase++;
            byBaseName = names[i];
           }
        }
      if(plain == 1)
         return plainName;
      if(byBase == 1)
         return byBaseName;
      candidates = SortedWithBase(base);
      return "";
     }

private:
   string            SortedWithBase(const string base) const
     {
      // Selection of names in ascending byte order (few candidates: quadratic is fine).
      string out = "";
      string last = "";
      bool haveLast = false;
      while(true)
        {
         string best = "";
         bool found = false;
         for(int i = 0; i < count; i++)
           {
            if(bases[i] != base)
               continue;
            if(haveLast && CT_CompareText(names[i], last) <= 0)
               continue;
            if(!found || CT_CompareText(names[i], best) < 0)
              {
               best = names[i];
               found = true;
              }
           }
         if(!found)
            break;
         out = out + (out == "" ? "" : ",") + best;
         last = best;
         haveLast = true;
        }
      return out;
     }
  };

// match_symbol: the follower's symbol for `master` under `map` among `index` ("" if none).
// With an empty index the (mapped) master symbol is returned unchanged.
string CT_MatchSymbol(const string master, const CTSymbolMap &map, const CTSymbolIndex &index,
                      string &candidates)
  {
   candidates = "";
   string target = map.TargetFor(master);
   string wanted = target != "" ? target : master;
   if(index.count == 0)
      return wanted;
   return index.Find(wanted, candidates);
  }

#endif

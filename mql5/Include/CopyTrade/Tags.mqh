//+------------------------------------------------------------------+
//| Tags.mqh -- how a follower's copy carries its master ticket.      |
//|                                                                  |
//| magic   = InpMagicBase + master ticket (when that fits in a long) |
//| comment = "CT#" + master ticket                                   |
//| The magic number cannot be changed by the broker, so it wins; the |
//| comment is the fallback for tickets too large for the magic.      |
//+------------------------------------------------------------------+
#ifndef CT_TAGS_MQH
#define CT_TAGS_MQH

#include <CopyTrade/Protocol.mqh>

#define CT_MAGIC_BASE_DEFAULT 7000000000000000000
#define CT_LONG_MAX           9223372036854775807
#define CT_COMMENT_PREFIX     "CT#"

string CT_CopyComment(long masterTicket) { return CT_COMMENT_PREFIX + IntegerToString(masterTicket); }

// The magic number for the copy of `masterTicket`; `base` alone when the sum would overflow.
long CT_CopyMagic(long base, long masterTicket)
  {
   if(base < 0 || masterTicket <= 0 || masterTicket > CT_LONG_MAX - base)
      return base;
   return base + masterTicket;
  }

// The master ticket a comment names ("CT#123456" -> 123456), 0 if it names none.
long CT_TicketFromComment(const string comment)
  {
   int p = StringLen(CT_COMMENT_PREFIX);
   if(StringSubstr(comment, 0, p) != CT_COMMENT_PREFIX)
      return 0;
   string digits = StringSubstr(comment, p);
   // Stop at the first non-digit: brokers may append text to comments.
   int n = StringLen(digits);
   int end = 0;
   while(end < n && CT_IsDigit(StringGetCharacter(digits, end)))
      end++;
   digits = StringSubstr(digits, 0, end);
   string canon, why;
   if(!CT_CheckInt(digits, 1, 0, canon, why))
      return 0;
   return StringToInteger(canon);
  }

// The master ticket of a position with this magic and comment, or 0 if it is not a copy.
long CT_MasterTicketOf(long base, long magic, const string comment)
  {
   if(base < 0 || magic < base)
      return 0;
   if(magic > base)
      return magic - base;
   return CT_TicketFromComment(comment);
  }

#endif

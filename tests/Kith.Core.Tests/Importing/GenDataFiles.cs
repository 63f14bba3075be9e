using System.Text;

namespace Kith.Core.Tests.Importing;

/// <summary>Small files in gen_data.py's names and columns, for folder imports (also compiled into Kith.Tests).</summary>
internal static class GenDataFiles
{
    /// <summary>The four files of gen_data.py, in its names and columns, a few rows each; and two files that are not data.</summary>
    public static string Folder(string parent)
    {
        var folder = Path.Combine(parent, "gen");
        Directory.CreateDirectory(folder);
        void Write(string name, string content) => File.WriteAllText(Path.Combine(folder, name), content, new UTF8Encoding(false));
        Write("customer_data.csv", "customer_id,name,email,phone,age,gender,city,signup_date\n"
                                   + "1,刘秀秀,user1@example.com,+86 180 1233 1315,72,M,Sydney,2022-09-11\n"
                                   + "2,杨勇,user2@example.com,+86 137 1188 3605,69,M,Shenzhen,2023-01-06\n"
                                   + "3,Ann Lee,user3@example.com,,31,F,London,2023-02-01\n");
        Write("purchase_data.csv", "order_id,customer_id,order_time,product,category,quantity,unit_price,amount\n"
                                   + "1,2,2022-01-01T00:06:15Z,Onboarding,service,4,199.00,796.00\n"
                                   + "2,3,2022-01-01T00:17:18Z,Webcam,hardware,4,79.00,316.00\n"
                                   + "3,2,2022-01-02T00:17:18Z,Webcam,hardware,1,79.00,79.00\n");
        Write("communication_data.csv", "communication_id,customer_id,channel,direction,communication_time,subject,content,outcome\n"
                                        + "1,1,wechat,outbound,2022-01-01T00:11:26Z,Re: ticket 0,Talked about renewal,not_interested\n");
        Write("behavior_data.csv", "event_id,customer_id,event_type,behavior_time,page\n"
                                   + "1,3,access,2022-01-01T00:00:32Z,/docs\n2,1,access,2022-01-01T00:03:39Z,/support\n");
        Write("duplicates_truth.csv", "customer_id,duplicate_of\n9,35396\n");
        Write("README.md", "not data\n");
        return folder;
    }
}
